// Light or dark, as the help centre shows it: the reader's own choice made with the help centre's palette
// toggle, else the system's preference. Material for MkDocs keeps that choice in localStorage under
// "<site path>.__palette" ({"color": {"scheme": "slate" | "default", "media": ...}}); the portal runs on the
// same origin, so it reads the same key (base.html names it: "/.__palette", or "/c/<slug>/.__palette" on a
// client's centre). The result goes on <html data-kb-scheme>, which portal.css turns into color-scheme.
// Loaded without defer, before the stylesheet is applied: no white flash for a dark reader.
(function () {
  "use strict";
  var root = document.documentElement;
  var system = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;

  function chosen() {
    try {
      var palette = JSON.parse(localStorage.getItem(root.getAttribute("data-kb-palette")) || "null");
      var color = palette && palette.color;
      // Material's "automatic" palette entry (media "(prefers-color-scheme)") means: follow the system.
      if (!color || color.media === "(prefers-color-scheme)") return null;
      if (color.scheme === "slate") return "dark";
      if (color.scheme === "default") return "light";
    } catch (ignored) {
      // No storage (blocked, private mode) or not JSON: the system's preference.
    }
    return null;
  }

  function apply() {
    root.setAttribute("data-kb-scheme", chosen() || (system && system.matches ? "dark" : "light"));
  }

  apply();
  if (system && system.addEventListener) system.addEventListener("change", apply);
  window.addEventListener("storage", apply);  // toggled in the help centre in another tab
})();
