// Pages elders and families use (长辈版): a large-text switch that is remembered, and a
// read-aloud button using the browser's own speech synthesis (nothing leaves the phone
// through this page).
(function () {
  var root = document.documentElement;
  var KEY = "yl-large-text";
  function apply(on) {
    root.classList.toggle("elder-large", on);
    var b = document.getElementById("large-text");
    if (b) b.setAttribute("aria-pressed", on ? "true" : "false");
  }
  try { apply(localStorage.getItem(KEY) === "1"); } catch (e) { apply(false); }
  var big = document.getElementById("large-text");
  if (big) big.addEventListener("click", function () {
    var on = !root.classList.contains("elder-large");
    apply(on);
    try { localStorage.setItem(KEY, on ? "1" : "0"); } catch (e) {}
  });
  var speak = document.getElementById("read-aloud");
  if (speak) {
    if (!("speechSynthesis" in window)) { speak.hidden = true; return; }
    speak.addEventListener("click", function () {
      window.speechSynthesis.cancel();
      var text = document.querySelector("main").innerText;
      var u = new SpeechSynthesisUtterance(text);
      u.lang = "zh-CN";
      u.rate = 0.9;
      window.speechSynthesis.speak(u);
    });
  }
  // A chosen option shows as pressed (not by colour alone: a tick is added).
  document.querySelectorAll(".elder-choice input").forEach(function (input) {
    input.addEventListener("change", function () {
      document.querySelectorAll('.elder-choice input[name="' + input.name + '"]').forEach(function (o) {
        o.closest(".elder-choice").classList.toggle("chosen", o.checked);
      });
    });
  });
})();
