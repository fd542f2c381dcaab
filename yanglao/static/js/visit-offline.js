/* The visit form on a phone with a poor connection.
 *
 * When the form opens it gets a client key (a UUID made on the phone). On submit the
 * form is posted with fetch; if the connection fails, the filled-in form is kept in
 * localStorage and sent again when the phone is back online (or the next time a visit
 * page opens). The server records one visit per client key, so a form that was in fact
 * received before the connection dropped is never recorded twice. Without JavaScript the
 * form posts normally.
 */
(function () {
  "use strict";
  var KEY = "yanglao.visitQueue";
  var MAX_PHOTO = 2 * 1024 * 1024;

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    (window.crypto || window.msCrypto).getRandomValues(b);
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function load() {
    try { return JSON.parse(localStorage.getItem(KEY) || "[]"); } catch (e) { return []; }
  }
  function save(queue) { localStorage.setItem(KEY, JSON.stringify(queue)); }

  function show(text, tone) {
    var boxes = document.querySelectorAll("[data-offline-status], #offline-queue");
    boxes.forEach(function (box) {
      box.textContent = text || "";
      box.classList.toggle("d-none", !text);
      box.classList.remove("alert-warning", "alert-success", "alert-danger");
      box.classList.add(tone || "alert-warning");
    });
  }

  function pending() {
    var n = load().length;
    if (n) show("有 " + n + " 条探访记录保存在手机上，联网后自动提交", "alert-warning");
    return n;
  }

  function toForm(item) {
    var data = new FormData();
    Object.keys(item.fields).forEach(function (k) { data.append(k, item.fields[k]); });
    if (item.photo) {
      var parts = item.photo.split(","), bin = atob(parts[1]), arr = new Uint8Array(bin.length);
      for (var i = 0; i < bin.length; i++) arr[i] = bin.charCodeAt(i);
      data.append("photo", new Blob([arr], { type: item.photoType }), item.photoName);
    }
    return data;
  }

  function send(item) {
    return fetch(item.url, {
      method: "POST",
      body: toForm(item),
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": item.fields.csrfmiddlewaretoken || "" },
    });
  }

  var flushing = false;
  function flush() {
    if (flushing || !navigator.onLine) return;
    var queue = load();
    if (!queue.length) return;
    flushing = true;
    var item = queue[0];
    send(item).then(function (response) {
      if (response.status === 401 || response.status === 403) {
        show("登录已过期：请重新登录，保存在手机上的探访记录会在登录后自动提交", "alert-danger");
        flushing = false;
        return;
      }
      var rest = load().filter(function (x) { return x.fields.client_key !== item.fields.client_key; });
      save(rest);
      flushing = false;
      if (response.ok) {
        show(rest.length ? "已提交 1 条，还有 " + rest.length + " 条" : "保存在手机上的探访记录已全部提交", "alert-success");
      } else {
        show("一条保存在手机上的探访记录被退回（" + item.elderName + "），请重新填写", "alert-danger");
      }
      if (rest.length) flush();
    }).catch(function () { flushing = false; pending(); });
  }

  function queueForm(form, data, done) {
    var fields = {};
    data.forEach(function (v, k) { if (typeof v === "string") fields[k] = v; });
    var item = {
      url: form.action || window.location.href,
      fields: fields,
      elderName: document.title.split(" · ")[0],
      savedAt: new Date().toISOString(),
    };
    var file = form.querySelector("input[type=file]");
    var f = file && file.files && file.files[0];
    function finish() {
      var queue = load().filter(function (x) { return x.fields.client_key !== fields.client_key; });
      queue.push(item);
      try { save(queue); } catch (e) {
        show("手机存储已满，未能保存：请联网后再提交", "alert-danger");
        return;
      }
      done();
    }
    if (f && f.size <= MAX_PHOTO) {
      var reader = new FileReader();
      reader.onload = function () { item.photo = reader.result; item.photoType = f.type; item.photoName = f.name; finish(); };
      reader.onerror = finish;
      reader.readAsDataURL(f);
    } else {
      finish();
    }
  }

  function wire(form) {
    var key = form.querySelector("input[name=client_key]");
    if (key && !key.value) key.value = uuid();
    var loc = form.querySelector("[data-use-location]");
    if (loc && navigator.geolocation) {
      loc.addEventListener("change", function () {
        if (!loc.checked) return;
        navigator.geolocation.getCurrentPosition(function (pos) {
          form.querySelector("input[name=latitude]").value = pos.coords.latitude.toFixed(6);
          form.querySelector("input[name=longitude]").value = pos.coords.longitude.toFixed(6);
        }, function () { loc.checked = false; }, { timeout: 8000 });
      });
    }
    // A note box shows only for a concern or an urgent finding.
    form.querySelectorAll(".check-item").forEach(function (set) {
      var note = set.querySelector(".check-note");
      function sync() {
        var checked = set.querySelector("input[type=radio]:checked");
        var needs = checked && checked.value !== "fine";
        note.classList.toggle("d-none", !needs && !note.value && !note.classList.contains("is-invalid"));
      }
      set.addEventListener("change", sync);
      sync();
    });
    form.addEventListener("submit", function (event) {
      if (form.dataset.plain === "1") return; // let the browser post it (to show errors)
      event.preventDefault();
      var button = form.querySelector("[type=submit]");
      if (button) button.disabled = true;
      var data = new FormData(form);
      fetch(form.action || window.location.href, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "Accept": "application/json", "X-CSRFToken": data.get("csrfmiddlewaretoken") || "" },
      }).then(function (response) {
        if (response.status === 201) {
          return response.json().then(function (body) { window.location.href = body.url; });
        }
        // Errors: post the form the ordinary way so the page shows them by the fields
        // (the same client key: nothing is recorded twice).
        form.dataset.plain = "1";
        form.submit();
      }).catch(function () {
        queueForm(form, data, function () {
          show("网络不通：探访记录已保存在手机上，联网后自动提交", "alert-warning");
          if (button) button.disabled = false;
          form.reset(); // the saved form must not be sent a second time by hand
          key.value = uuid(); // the next visit gets a new key
        });
      });
    });
  }

  document.querySelectorAll("form[data-offline-form]").forEach(wire);
  window.addEventListener("online", flush);
  pending();
  flush();
})();
