/* Typesets the page's math (pymdownx.arithmatex, generic mode) with the site's own KaTeX, on every page
   Material shows (document$ also fires on instant navigation). A file, not an inline script: the portal's
   policy allows the site's own scripts only. */
document$.subscribe(function () {
  document.querySelectorAll(".arithmatex").forEach(function (element) {
    renderMathInElement(element, {
      delimiters: [
        { left: "\\(", right: "\\)", display: false },
        { left: "\\[", right: "\\]", display: true },
      ],
      throwOnError: false,
    });
  });
});
