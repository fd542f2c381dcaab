// Service pages: fill the location of a start/finish form from the phone's GPS when the
// user allows it (optional: the form works without it).
(function () {
  var forms = document.querySelectorAll("form[data-geo]");
  if (!forms.length || !navigator.geolocation) return;
  navigator.geolocation.getCurrentPosition(
    function (pos) {
      forms.forEach(function (f) {
        f.querySelector("[name=latitude]").value = pos.coords.latitude.toFixed(6);
        f.querySelector("[name=longitude]").value = pos.coords.longitude.toFixed(6);
      });
    },
    function () {},
    { timeout: 8000, maximumAge: 600000 }
  );
})();
