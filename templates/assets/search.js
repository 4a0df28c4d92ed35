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

let pagefindModule = null;  /* imported once, on the first search */
let searches = 0;  /* a newer search makes the results of an older one stale */

/* Searches what the address asks for (?q=…&role=…&tag=…), showing it in the form too. Focus stays where it
   is; the status line (role="status") says how many turns were found. */
async function run() {
  const asked = ++searches;
  const params = new URLSearchParams(location.search);
  const query = (params.get("q") || "").trim();
  for (const name of ["q", "role", "tag"]) form.elements[name].value = params.get(name) || "";
  if (!query) {
    list.replaceChildren();
    status.textContent = "Search runs in your browser.";
    return;
  }
  status.textContent = "Searching…";
  pagefindModule = pagefindModule || import(new URL("pagefind/pagefind.js", root).href);
  const pagefind = await pagefindModule;
  const filters = {};
  if (params.get("role")) filters.role = params.get("role");
  if (params.get("tag")) filters.tag = params.get("tag");
  const search = await pagefind.search(query, { filters });
  const results = await Promise.all(search.results.slice(0, 50).map((r) => r.data()));
  if (asked !== searches) return;
  list.replaceChildren(...results.map(resultItem));
  status.textContent = results.length === 1 ? "1 turn found." : `${results.length} turns found.`;
}

function searchNow() {
  run().catch((error) => {
    status.textContent = "Search could not run: " + error.message;
    throw error;
  });
}

/* A search from the form does not load the page again (which would send focus to its top): the address
   changes (Back goes to the search before) and the results are replaced in place. */
form.addEventListener("submit", (event) => {
  event.preventDefault();
  const params = new URLSearchParams(new FormData(form));
  history.pushState(null, "", "?" + params.toString());
  searchNow();
});
window.addEventListener("popstate", searchNow);
searchNow();
