/* site_builder search: Pagefind's index of every turn, filtered by who said it and by tag. A result per speaker
   of a post links to the turns found (posts/slug/#turn-N). Relative to this page, so it works from a sub-path. */
const list = document.getElementById("search-results");
const status = document.getElementById("search-status");
const more = document.getElementById("search-more");
const form = document.querySelector(".search-form");
const root = new URL(list.dataset.root || "./", location.href);
const PAGE = 50;  /* hits shown at a time; "Show more results" shows the next */

/* The page's language's words (body data-words, from i18n/<lang>.yaml, as site.js reads them), else English;
   {count} is filled in. */
let words = {};
try { words = JSON.parse(document.body.dataset.words || "{}"); } catch (e) { words = {}; }
function word(key, english, count) {
  return (words[key] || english).replace("{count}", String(count));
}

/* Pagefind's excerpt marks hits with <mark> and escapes < and > only, so "&lt;" in it is a "<" or the text
   "&lt;" itself. Its pieces are therefore found in the turn's text, escaped the same way, and cut from that
   text: the excerpt reads exactly as the turn, as text nodes (nothing from the index is parsed as HTML). */
function excerptNodes(excerpt, content) {
  const pieces = excerpt.split(/<\/?mark>/);
  const texts = [content, content.split(/\s+/).join(" ").trim()].map((text) => cut(pieces, text))
    .find((found) => found) || pieces.map((piece) => piece.replace(/&lt;/g, "<").replace(/&gt;/g, ">"));
  return texts.map((text, i) => {
    if (i % 2 === 0) return document.createTextNode(text);
    const mark = document.createElement("mark");
    mark.textContent = text;
    return mark;
  });
}

/* The pieces of text that, escaped as Pagefind escapes, are ``pieces`` one after the other; null if none. */
function cut(pieces, text) {
  let escaped = "";
  const starts = new Map();  /* an offset in escaped -> the offset in text of the character written there */
  for (let i = 0; i < text.length; i++) {
    starts.set(escaped.length, i);
    escaped += text[i] === "<" ? "&lt;" : text[i] === ">" ? "&gt;" : text[i];
  }
  starts.set(escaped.length, text.length);
  const whole = pieces.join("");
  for (let at = escaped.indexOf(whole); at !== -1; at = escaped.indexOf(whole, at + 1)) {
    const bounds = [at];
    for (const piece of pieces) bounds.push(bounds[bounds.length - 1] + piece.length);
    if (bounds.every((bound) => starts.has(bound))) {
      return pieces.map((_, i) => text.slice(starts.get(bounds[i]), starts.get(bounds[i + 1])));
    }
  }
  return null;
}

/* A hit is one speaker's turns in one post (a page of the index; an introduction is a page of its own): its title
   and speaker link to the first turn found, above that turn's excerpt; each other turn found is a link below,
   its excerpt as its text. Pagefind gives the turns as sub-results, by the anchor each turn's text follows. */
function resultItem(data) {
  const item = document.createElement("li");
  const turns = data.sub_results && data.sub_results.length ? data.sub_results : [data];
  const shown = new URL(data.url, location.href).searchParams;  /* what a hit shows: not searched (pagefind.py) */
  const link = document.createElement("a");
  link.href = turnHref(data, turns[0]);
  link.textContent = (shown.get("title") || "") + (shown.get("speaker") ? " · " + shown.get("speaker") : "");
  const excerpt = document.createElement("p");
  excerpt.append(...excerptNodes(turns[0].excerpt || "", data.content || ""));
  item.append(link, excerpt);
  if (turns.length > 1) {
    const others = document.createElement("ul");
    others.className = "search-turns";
    for (const turn of turns.slice(1)) {
      const other = document.createElement("li");
      const otherLink = document.createElement("a");
      otherLink.href = turnHref(data, turn);
      otherLink.append(...excerptNodes(turn.excerpt || "", data.content || ""));
      other.append(otherLink);
      others.append(other);
    }
    item.append(others);
  }
  return item;
}

/* Where a turn found is: its post (the page's address, its query left out) and the turn's anchor (#turn-3). */
function turnHref(data, turn) {
  return new URL(data.url, location.href).pathname + new URL(turn.url || data.url, location.href).hash;
}

/* Pagefind writes an index per language (a post's lang:, else the site's) and searches the one of the page's
   <html lang> (else its primary subtag, else the largest). On a one-language site every other is merged in,
   so one search finds every post; on a multilingual site (the form has a language choice) only when the
   reader chooses "all languages". Merged by its full URL, which Pagefind does not take for the page's own
   index. */
async function loadPagefind(everyLanguage) {
  const base = new URL("pagefind/", root);
  const pagefind = await import(new URL("pagefind.js", base).href);
  const entry = await (await fetch(new URL("pagefind-entry.json", base), { cache: "no-cache" })).json();
  const own = pagesLanguage(Object.entries(entry.languages || {}),
                            (document.documentElement.getAttribute("lang") || "unknown").toLowerCase());
  await pagefind.options({ mergeFilter: { [INDEX]: `|${own}` } });
  const merges = [];
  if (everyLanguage) {
    for (const language of Object.keys(entry.languages || {})) {
      if (language !== own) merges.push(["", language]);
    }
  }
  /* A large site's index comes in shards (pagefind/shards.json lists them with their languages): each is merged,
     in the page's language, or in every language where every language is searched. */
  const shards = await fetch(new URL("shards.json", base), { cache: "no-cache" })
    .then((response) => (response.ok ? response.json() : [])).catch(() => []);
  for (const shard of shards) {
    for (const language of shard.languages || []) {
      if (everyLanguage || language === own) merges.push([shard.path, language]);
    }
  }
  /* Each index merged is told apart by a filter of its own (INDEX: its folder and language) for onlyWhereSaid. */
  await Promise.all(merges.map(([path, language]) => pagefind.mergeIndex(new URL(path, base).href,
    { language, mergeFilter: { [INDEX]: `${path}|${language}` } })));
  return pagefind;
}

const INDEX = "index";

/* Pagefind searches, for a word of the query that begins no word of an index, the longest word of that index
   the query's word begins with: "shelfware" finds "shelf". In one index that happens only to a word the site
   does not hold (and still finds unrelated turns); in an index cut into shards, to every shard without the
   word, each adding unrelated turns. So a hit is kept only if it holds each word of the query: as a word of the
   same stem (Pagefind's exact search of the word finds those), or as the start of a longer word, which an
   index holds where one of its hits shows it (beginsAWord); an index whose hits show neither only found shorter
   words. The hits of ``search`` (of ``query``), those kept. */
async function onlyWhereSaid(pagefind, query, search) {
  if (!search.results.length || /^\s*".+"\s*$/.test(query)) return search.results;  /* exact: no fallback */
  const found = await Promise.all([...new Set(queryWords(query))].map((word) => pagesWith(pagefind, word)));
  return search.results.filter((result) => found.every((pages) => pages.has(result.id)));
}

/* The words of a query as Pagefind reads them: in lower case, without punctuation, apart at spaces, and Chinese,
   Japanese and Thai, which have no spaces between words, cut into words (Intl.Segmenter, as Pagefind does). */
function queryWords(query) {
  return query.toLocaleLowerCase().replace(/[\p{Pd}\p{Pe}\p{Pf}\p{Pi}\p{Po}\p{Ps}]/gu, "").split(/\s+/)
    .flatMap(unspacedWords).filter((word) => word);
}

const UNSPACED = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}]/u;

function unspacedWords(word) {
  if (!UNSPACED.test(word) || typeof Intl.Segmenter === "undefined") return [word];
  const language = /[\p{Script=Hiragana}\p{Script=Katakana}]/u.test(word) ? "ja"
    : /\p{Script=Thai}/u.test(word) ? "th" : "zh";
  return [...new Intl.Segmenter(language, { granularity: "word" }).segment(word)]
    .filter((piece) => piece.isWordLike).map((piece) => piece.segment);
}

/* The ids of the pages that hold ``word`` (onlyWhereSaid): every hit of a search for it, less those of each
   index whose hits hold no word of its stem and whose first hit holds no word it begins. */
async function pagesWith(pagefind, word) {
  const [loose, exact] = await Promise.all([pagefind.search(word), pagefind.search(`"${word}"`)]);
  const pages = new Set(loose.results.map((result) => result.id));
  const stemmed = exact.filters[INDEX] || {};
  const unsure = Object.entries(loose.filters[INDEX] || {}).filter(([index, count]) => count && !stemmed[index]);
  await Promise.all(unsure.map(async ([index]) => {
    const own = await pagefind.search(word, { filters: { [INDEX]: index } });
    if (own.results.length && !beginsAWord(word, await own.results[0].data())) {
      for (const result of own.results) pages.delete(result.id);
    }
  }));
  return pages;
}

/* Whether a word of a page (``data``: its text, its title) begins with ``word``, its words read as Pagefind
   reads them: in lower case, diacritics aside, each run of text between spaces a word without its punctuation
   and symbols, and each of its parts a word too ("crunch-base" holds crunchbase, crunch and base; "<b>alert(1)"
   holds balert1, b, alert and 1, not alert1). Chinese, Japanese and Thai have no spaces between words: their
   text holds it. */
function beginsAWord(word, data) {
  const plain = (text) => text.normalize("NFD").replace(/\p{M}/gu, "").toLocaleLowerCase();
  const text = plain(`${data.meta.title || ""} ${data.content || ""}`);
  const wanted = plain(word);
  if (UNSPACED.test(wanted)) return text.includes(wanted);
  return text.split(/\s+/).some((run) => {
    const parts = run.split(/[^\p{L}\p{N}_]+/u);
    return parts.join("").startsWith(wanted) || parts.some((part) => part.startsWith(wanted));
  });
}

/* The index Pagefind loads for a page in ``language``, as it chooses it. */
function pagesLanguage(languages, language) {
  const names = languages.map(([name]) => name);
  if (names.includes(language)) return language;
  if (names.includes(language.split("-")[0])) return language.split("-")[0];
  const largest = [...languages].sort((a, b) => b[1].page_count - a[1].page_count)[0];
  return largest ? largest[0] : null;
}

function countText(found, shown) {
  const count = found === 1 ? word("search_found_one", "1 result found.", 1)
    : word("search_found", "{count} results found.", found);
  return shown < found ? `${count} ${word("search_showing", "Showing the first {count}.", shown)}` : count;
}

/* Show the next PAGE hits of ``results``; with ``focus``, move the focus to the first of them. A press while
   they load shows nothing more (each hit is listed once). */
let loading = false;
async function showMore(results, focus) {
  if (loading) return;
  loading = true;
  let next;
  try {
    next = await Promise.all(results.slice(list.children.length, list.children.length + PAGE).map((r) => r.data()));
  } finally {
    loading = false;
  }
  if (results !== shown) return;  /* a newer search replaced these results meanwhile */
  const items = next.map(resultItem);
  list.append(...items);
  status.textContent = countText(results.length, list.children.length);
  more.hidden = list.children.length >= results.length;
  if (focus && items.length) items[0].querySelector("a").focus();
}

let pagefindModule = null;  /* loaded once, when the reader first turns to the search box, or at the first search */
let loadedFor = null;  /* whether that load merged every language's index */
let searches = 0;  /* a newer search makes the results of an older one stale */
let shown = null;  /* the results listed: "Show more results" goes on with them */

/* Searches what the address asks for (?q=…&role=…&tag=…), showing it in the form too. Focus stays where it
   is; the status line (role="status") says how many turns were found. */
async function run() {
  const asked = ++searches;
  const params = new URLSearchParams(location.search);
  const query = (params.get("q") || "").trim();
  for (const name of ["q", "role", "tag", "lang"]) if (form.elements[name]) form.elements[name].value = params.get(name) || "";
  if (!query) {
    shown = null;
    list.replaceChildren();
    more.hidden = true;
    status.textContent = word("search_runs", "Search runs in your browser.");
    return;
  }
  status.textContent = word("searching", "Searching…");
  /* every language: on a one-language site always, on a multilingual one when "all languages" is chosen */
  const everyLanguage = !form.elements.lang || params.get("lang") === "all";
  if (pagefindModule && loadedFor !== everyLanguage) {  /* an index once merged stays: load the page again */
    location.reload();
    return;
  }
  loadedFor = everyLanguage;
  pagefindModule = pagefindModule || loadPagefind(everyLanguage);
  const pagefind = await pagefindModule;
  const filters = {};
  if (params.get("role")) filters.role = params.get("role");
  if (params.get("tag")) filters.tag = params.get("tag");
  const search = await pagefind.search(query, { filters });
  const kept = await onlyWhereSaid(pagefind, query, search);
  if (asked !== searches) return;
  shown = kept;
  list.replaceChildren();
  await showMore(shown, false);
}

function failed(error) {
  status.textContent = word("search_failed", "Search could not run:") + " " + error.message;
  throw error;
}

function searchNow() {
  run().catch(failed);
}

more.addEventListener("click", () => shown && showMore(shown, true).catch(failed));

/* A search from the form does not load the page again (which would send focus to its top): the address
   changes (Back goes to the search before) and the results are replaced in place. */
form.addEventListener("submit", (event) => {
  event.preventDefault();
  const params = new URLSearchParams(new FormData(form));
  history.pushState(null, "", "?" + params.toString());
  searchNow();
});
window.addEventListener("popstate", searchNow);

/* The index is loaded as soon as the reader turns to the search box, while they type: a large site's index
   comes in shards, each merged with a few requests, and the first search no longer waits for them. In the
   languages the form says now; a search in others loads the page again (run). A load that fails says so at
   the search. */
form.elements.q.addEventListener("focus", () => {
  if (pagefindModule) return;
  loadedFor = !form.elements.lang || form.elements.lang.value === "all";
  pagefindModule = loadPagefind(loadedFor);
  pagefindModule.catch(() => {});  /* not reported here: run() reports it */
}, { once: true });
searchNow();
