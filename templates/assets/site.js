/* site_builder: theme switch, answer tabs, copy buttons, companion line ranges. The pages work without it. */
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.add("js");

  /* ---- Words: the page's language's (body data-words, from i18n/<lang>.yaml), else English. ---- */
  var words = {};
  try { words = JSON.parse(document.body.dataset.words || "{}"); } catch (e) { words = {}; }
  function word(key, english) { return words[key] || english; }
  if (document.body.dataset.words) {  /* the controls the post's HTML carries in English */
    document.querySelectorAll("button.copy").forEach(function (b) {
      b.textContent = word("copy", "Copy");
      b.setAttribute("aria-label", word("copy_code", "Copy code"));
    });
    document.querySelectorAll('a[aria-label="Link to this section"]').forEach(function (a) {
      a.setAttribute("aria-label", word("link_to_section", "Link to this section"));
    });
  }

  /* ---- Theme: follow the system, or light, or dark (remembered). ---- */
  var themeButtons = document.querySelectorAll(".theme-switch button[data-theme-choice]");
  function showTheme() {
    var current = root.dataset.theme || "system";
    themeButtons.forEach(function (b) { b.setAttribute("aria-pressed", String(b.dataset.themeChoice === current)); });
  }
  themeButtons.forEach(function (button) {
    button.addEventListener("click", function () {
      var choice = button.dataset.themeChoice;
      if (choice === "system") delete root.dataset.theme; else root.dataset.theme = choice;
      try {
        if (choice === "system") localStorage.removeItem("theme"); else localStorage.setItem("theme", choice);
      } catch (e) { /* private mode: the choice lasts for this page */ }
      showTheme();
    });
  });
  document.querySelectorAll(".theme-switch, button[data-copy]").forEach(function (e) { e.hidden = false; });
  showTheme();

  /* ---- Answer variants: the WAI-ARIA tabs pattern (automatic activation). ---- */
  var groups = [];
  document.querySelectorAll(".variants").forEach(function (group) {
    var list = group.querySelector(".variant-tabs");
    var tabs = Array.prototype.slice.call(list.querySelectorAll("a[data-for]"));
    var panels = Array.prototype.slice.call(group.querySelectorAll(".variant"));
    list.setAttribute("role", "tablist");
    list.setAttribute("aria-label", word("answers", "Answers"));
    tabs.forEach(function (tab, i) {
      tab.setAttribute("role", "tab");
      panels[i].setAttribute("role", "tabpanel");
      panels[i].setAttribute("aria-labelledby", tab.id);
    });
    function show(index, focus) {
      panels.forEach(function (p, i) { p.hidden = i !== index; });
      tabs.forEach(function (t, i) {
        t.setAttribute("aria-selected", String(i === index));
        t.tabIndex = i === index ? 0 : -1;
      });
      if (focus) tabs[index].focus();
    }
    function choose(index) {
      show(index, true);
      history.replaceState(null, "", "#" + panels[index].id);
    }
    tabs.forEach(function (tab, i) {
      tab.addEventListener("click", function (ev) { ev.preventDefault(); choose(i); });
    });
    list.addEventListener("keydown", function (ev) {
      var current = tabs.indexOf(document.activeElement);
      if (current < 0) return;
      if (ev.key === " " || ev.key === "Enter") {  /* a tab is a link: Space would scroll the page */
        ev.preventDefault();
        choose(current);
        return;
      }
      var next = { ArrowRight: current + 1, ArrowLeft: current - 1, Home: 0, End: tabs.length - 1 }[ev.key];
      if (next === undefined) return;
      ev.preventDefault();
      choose((next + tabs.length) % tabs.length);
    });
    show(0, false);
    groups.push({ panels: panels, show: show });
  });

  /* ---- The hash: open the answer that holds the target, highlight companion line ranges. ---- */
  function targetOf(hash) {
    if (!hash || hash.length < 2) return null;
    try { return document.getElementById(decodeURIComponent(hash.slice(1))); } catch (e) { return null; }
  }
  function openHash(scroll) {
    var target = targetOf(location.hash);
    var panel = target && target.closest(".variant");
    groups.forEach(function (g) {
      var index = g.panels.indexOf(panel);
      if (index >= 0) g.show(index, false);
    });
    var first = highlightRange(location.hash);
    var shown = first || target;
    if (shown && (scroll || panel || first)) shown.scrollIntoView();
  }
  function highlightRange(hash) {
    document.querySelectorAll(".line.in-range").forEach(function (l) { l.classList.remove("in-range"); });
    var range = /^#L(\d+)-L(\d+)$/.exec(hash);
    if (!range) return null;
    for (var n = +range[1]; n <= +range[2]; n++) {
      var line = document.getElementById("L" + n);
      if (line) line.classList.add("in-range");
    }
    return document.getElementById("L" + range[1]);
  }
  window.addEventListener("hashchange", function () { openHash(true); });
  openHash(false);

  /* ---- Copy buttons: the code only; works without navigator.clipboard; says so to screen readers. ---- */
  var live = document.getElementById("live-status");
  function announce(text) {
    if (!live) return;
    live.textContent = "";
    setTimeout(function () { live.textContent = text; }, 50);
  }
  function copyByCommand(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    return ok;
  }
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).then(function () { return true; },
        function () { return copyByCommand(text); });
    }
    return Promise.resolve(copyByCommand(text));
  }
  document.addEventListener("click", function (ev) {
    var button = ev.target.closest && ev.target.closest("button[data-copy]");
    if (!button) return;
    var label = button.dataset.label || button.textContent;
    button.dataset.label = label;
    copyText(button.dataset.copy || "").then(function (ok) {
      button.textContent = ok ? word("copied", "Copied") : word("copy_failed", "Copy failed");
      announce(ok ? word("copied", "Copied") : word("copy_failed_long", "Copy failed: select the text and copy it by hand"));
      setTimeout(function () { button.textContent = label; }, 2000);
    });
  });
})();
