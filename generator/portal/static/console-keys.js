// The agent console's keyboard shortcuts: one registry every console page adds its keys to, and the help
// overlay on "?" that lists them. No inline script (the portal's CSP): pages register from their own file:
//
//   window.consoleKeys.add("r", "Reply to the customer", function (event) { ... });
//   window.consoleKeys.add("Escape", "Cancel", handler, { inFields: true });  // also while typing
//
// A key typed into a field (input, textarea, select, contenteditable) is the field's, unless its entry says
// inFields. "?" opens the overlay and Escape closes it before anything registered for Escape runs.
(function () {
  "use strict";

  var entries = [];
  var overlay = null;
  var returnFocus = null;

  function add(key, label, run, options) {
    entries.push({ key: key, label: label, run: run, inFields: !!(options && options.inFields) });
  }

  function typing(target) {
    if (!target || !target.tagName) return false;
    var tag = target.tagName.toLowerCase();
    if (tag === "textarea" || tag === "select" || target.isContentEditable) return true;
    if (tag !== "input") return false;
    var kind = (target.getAttribute("type") || "text").toLowerCase();
    return ["checkbox", "radio", "button", "submit", "reset"].indexOf(kind) < 0;
  }

  function keyName(key) {
    return { Enter: "Enter", Escape: "Esc", "?": "?", "/": "/" }[key] || key;
  }

  function build() {
    overlay = document.createElement("div");
    overlay.className = "keys-overlay";
    overlay.hidden = true;
    var box = document.createElement("div");
    box.className = "keys-overlay__box";
    box.setAttribute("role", "dialog");
    box.setAttribute("aria-modal", "true");
    box.setAttribute("aria-labelledby", "keys-overlay-title");
    var title = document.createElement("h2");
    title.id = "keys-overlay-title";
    title.textContent = "Keyboard shortcuts";
    var list = document.createElement("dl");
    list.className = "keys-overlay__list";
    var close = document.createElement("button");
    close.type = "button";
    close.textContent = "Close";
    close.addEventListener("click", hide);
    box.appendChild(title);
    box.appendChild(list);
    box.appendChild(close);
    overlay.appendChild(box);
    overlay.addEventListener("click", function (event) { if (event.target === overlay) hide(); });
    document.body.appendChild(overlay);
  }

  function show() {
    if (!overlay) build();
    var list = overlay.querySelector("dl");
    list.textContent = "";
    entries.concat([{ key: "?", label: "Show or hide these shortcuts" }]).forEach(function (entry) {
      var term = document.createElement("dt");
      var kbd = document.createElement("kbd");
      kbd.textContent = keyName(entry.key);
      term.appendChild(kbd);
      var what = document.createElement("dd");
      what.textContent = entry.label;
      list.appendChild(term);
      list.appendChild(what);
    });
    returnFocus = document.activeElement;
    overlay.hidden = false;
    overlay.querySelector("button").focus();
  }

  function hide() {
    if (!overlay || overlay.hidden) return;
    overlay.hidden = true;
    // The element may have been replaced meanwhile (a live update): then the page decides where focus goes.
    if (returnFocus && returnFocus.focus && document.contains(returnFocus)) returnFocus.focus();
    else document.dispatchEvent(new CustomEvent("console-keys:closed"));
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    var open = overlay && !overlay.hidden;
    if (open) {
      if (event.key === "Escape" || event.key === "?") { event.preventDefault(); hide(); }
      return;  // while the overlay is open, its keys only
    }
    var inField = typing(event.target);
    if (event.key === "?" && !inField) { event.preventDefault(); show(); return; }
    for (var i = 0; i < entries.length; i++) {
      var entry = entries[i];
      if (entry.key === event.key && (!inField || entry.inFields)) {
        if (entry.run(event) !== false) event.preventDefault();
        return;
      }
    }
  });

  window.consoleKeys = { add: add, show: show, hide: hide };
})();
