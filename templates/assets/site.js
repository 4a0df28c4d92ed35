/* site_builder: theme toggle, answer tabs, copy buttons, companion line ranges. Works without it too. */
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.add("js");

  var toggle = document.querySelector(".theme-toggle");
  if (toggle) toggle.addEventListener("click", function () {
    var dark = root.dataset.theme ? root.dataset.theme === "dark"
      : window.matchMedia("(prefers-color-scheme: dark)").matches;
    root.dataset.theme = dark ? "light" : "dark";
    try { localStorage.setItem("theme", root.dataset.theme); } catch (e) {}
  });

  document.querySelectorAll(".variants").forEach(function (group) {
    var tabs = group.querySelectorAll(".variant-tabs a");
    var panels = group.querySelectorAll(".variant");
    function show(k) {
      panels.forEach(function (p) { p.hidden = p.dataset.variant !== String(k); });
      tabs.forEach(function (t) { t.setAttribute("aria-selected", t.dataset.for === String(k) ? "true" : "false"); });
    }
    tabs.forEach(function (t) { t.addEventListener("click", function (ev) { ev.preventDefault(); show(t.dataset.for); }); });
    var target = location.hash && group.querySelector(location.hash.replace(/[^\w#-]/g, ""));
    var panel = target && target.closest(".variant");
    show(panel ? panel.dataset.variant : 1);
  });

  document.querySelectorAll("button.copy").forEach(function (button) {
    button.addEventListener("click", function () {
      var text = button.dataset.copy || "";
      var done = function () { button.textContent = "Copied"; setTimeout(function () { button.textContent = "Copy"; }, 1500); };
      if (navigator.clipboard) navigator.clipboard.writeText(text).then(done, function () {});
    });
  });

  var range = /^#L(\d+)-L(\d+)$/.exec(location.hash);
  if (range) {
    for (var n = +range[1]; n <= +range[2]; n++) {
      var line = document.getElementById("L" + n);
      if (line) line.classList.add("in-range");
    }
  }
})();
