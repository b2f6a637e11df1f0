// The home page's search box hands its words to the theme's own search, which opens with the results.
document.addEventListener("submit", function (event) {
  var form = event.target.closest("[data-kb-hero-search]");
  if (!form) return;
  event.preventDefault();
  var query = form.querySelector("input").value;
  var toggle = document.querySelector("[data-md-toggle=search]");
  var input = document.querySelector("[data-md-component=search-query]");
  if (!toggle || !input) return;
  toggle.checked = true;
  input.value = query;
  input.focus();
  input.dispatchEvent(new Event("input", { bubbles: true }));
  input.dispatchEvent(new KeyboardEvent("keyup", { bubbles: true }));
});
