// The demo only: an address ending in #help=<screen ID> opens that screen's help on arrival, so a tool that
// cannot press a button (Lighthouse, a screenshot) sees the page with the panel open:
// demo/#help=schedule.gantt. help.js reads the ID as it reads any caller's: checked, shown only as text.
window.addEventListener("load", function () {
  var match = /^#help=([^&]{1,100})$/.exec(window.location.hash);
  if (!match || !window.KBHelp) return;
  var id = match[1];
  try { id = decodeURIComponent(id); } catch (error) { /* a broken escape: help.js searches for its words */ }
  window.KBHelp.open(id);
});
