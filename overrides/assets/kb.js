// The home page's search box hands its words to the theme's own search, which opens with the results.
document.addEventListener("submit", function (event) {
  var form = event.target.closest("[data-kb-hero-search]");
  if (!form) return;
  event.preventDefault();
  var query = form.querySelector("input").value;
  var input = document.querySelector("[data-md-component=search-query]");
  if (!input) return;
  // Focusing the theme's input opens its search; setting the toggle by hand would skip its own opening.
  input.value = query;
  input.focus();
  input.dispatchEvent(new Event("input", { bubbles: true }));
  input.dispatchEvent(new KeyboardEvent("keyup", { bubbles: true }));
});
