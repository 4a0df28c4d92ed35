/* site_builder search: Pagefind's index of every turn, filtered by who said it and by tag.
   Results link to the turn (posts/slug/#turn-N). Relative to this page, so it works from a sub-path. */
const list = document.getElementById("search-results");
const status = document.getElementById("search-status");
const form = document.querySelector(".search-form");
const root = new URL(list.dataset.root || "./", location.href);

/* Pagefind's excerpt marks hits with <mark> and escapes < and >; build it as text nodes all the same. */
function excerptNodes(excerpt) {
  const parts = excerpt.split(/<\/?mark>/);
  const decode = (s) => new DOMParser().parseFromString(s, "text/html").documentElement.textContent;
  return parts.map((part, i) => {
    if (i % 2 === 0) return document.createTextNode(decode(part));
    const mark = document.createElement("mark");
    mark.textContent = decode(part);
    return mark;
  });
}

function resultItem(data) {
  const item = document.createElement("li");
  const link = document.createElement("a");
  const target = new URL(data.meta.target || "", root);  /* site-relative: posts/slug/#turn-3 */
  link.href = target.pathname + target.hash;
  link.textContent = data.meta.title + (data.meta.speaker ? " · " + data.meta.speaker : "");
  const excerpt = document.createElement("p");
  excerpt.append(...excerptNodes(data.excerpt || ""));
  item.append(link, excerpt);
  return item;
}

/* A multilingual site's index has a language each; the page's is searched (Pagefind picks it by <html lang>).
   "All languages" merges the others. Pagefind skips merging its own folder, so it is named as ".../pagefind/./". */
async function mergeLanguages(pagefind) {
  const folder = new URL("pagefind/", root).href;
  const entry = await (await fetch(folder + "pagefind-entry.json")).json();
  const mine = document.documentElement.lang.toLowerCase();
  const codes = Object.keys(entry.languages);
  const primary = codes.includes(mine) ? mine : codes.find((c) => c === mine.split("-")[0]);
  for (const code of codes) {
    if (code !== primary) await pagefind.mergeIndex(folder + "./", { language: code });
  }
}

async function run() {
  const params = new URLSearchParams(location.search);
  const query = (params.get("q") || "").trim();
  for (const name of ["q", "role", "tag", "lang"]) if (form.elements[name]) form.elements[name].value = params.get(name) || "";
  if (!query) return;
  status.textContent = "Searching…";
  const pagefind = await import(new URL("pagefind/pagefind.js", root).href);
  if (params.get("lang") === "all") await mergeLanguages(pagefind);
  const filters = {};
  if (params.get("role")) filters.role = params.get("role");
  if (params.get("tag")) filters.tag = params.get("tag");
  const search = await pagefind.search(query, { filters });
  const results = await Promise.all(search.results.slice(0, 50).map((r) => r.data()));
  list.replaceChildren(...results.map(resultItem));
  status.textContent = results.length === 1 ? "1 turn found." : `${results.length} turns found.`;
}

run().catch((error) => {
  status.textContent = "Search could not run: " + error.message;
  throw error;
});
