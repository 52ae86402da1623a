// Copy buttons: shown only when JavaScript runs; without it the text stays selectable.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-copy-from]").forEach(function (button) {
    var source = document.getElementById(button.getAttribute("data-copy-from"));
    if (!source) return;
    var label = button.textContent;  // "Copy", "Copy message": restored after the tick
    button.hidden = false;
    button.addEventListener("click", function () {
      var done = function () {
        button.textContent = "Copied";
        button.classList.add("done");
        setTimeout(function () { button.textContent = label; button.classList.remove("done"); }, 1500);
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(source.value).then(done, function () { fallback(source, done); });
      } else {
        fallback(source, done);
      }
    });
  });
  document.querySelectorAll("input.copy-src").forEach(function (input) {
    input.addEventListener("focus", function () { input.select(); });
  });
});

function fallback(source, done) {
  // Plain-http deployments have no Clipboard API; a selection copy still works there.
  source.focus();
  source.select();
  try { if (document.execCommand("copy")) done(); } catch (e) { /* text stays selected */ }
}
