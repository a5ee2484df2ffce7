// Passkeys (issue 15): fills and submits the forms marked data-passkey="create" or "get".
// Progressive enhancement: the forms are hidden until this script finds WebAuthn; without it the
// page's <noscript> text says passkeys need JavaScript. No framework, no inline script (CSP).
(function () {
  "use strict";

  function fromB64url(value) {
    var text = value.replace(/-/g, "+").replace(/_/g, "/");
    while (text.length % 4) text += "=";
    var raw = atob(text);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes.buffer;
  }

  function toB64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var raw = "";
    for (var i = 0; i < bytes.length; i++) raw += String.fromCharCode(bytes[i]);
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map(function (d) {
      return { type: d.type, id: fromB64url(d.id), transports: d.transports };
    });
  }

  function creationOptions(json) {
    var o = Object.assign({}, json);
    o.challenge = fromB64url(json.challenge);
    o.user = Object.assign({}, json.user, { id: fromB64url(json.user.id) });
    o.excludeCredentials = descriptors(json.excludeCredentials);
    return o;
  }

  function requestOptions(json) {
    var o = Object.assign({}, json);
    o.challenge = fromB64url(json.challenge);
    o.allowCredentials = descriptors(json.allowCredentials);
    return o;
  }

  function credentialJson(credential) {
    var r = credential.response;
    var response = { clientDataJSON: toB64url(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = toB64url(r.attestationObject);
      response.transports = r.getTransports ? r.getTransports() : [];
    } else {
      response.authenticatorData = toB64url(r.authenticatorData);
      response.signature = toB64url(r.signature);
      if (r.userHandle) response.userHandle = toB64url(r.userHandle);
    }
    return JSON.stringify({
      id: credential.id,
      rawId: toB64url(credential.rawId),
      type: credential.type,
      response: response,
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
      clientExtensionResults: credential.getClientExtensionResults ? credential.getClientExtensionResults() : {},
    });
  }

  function setUp(form) {
    var status = form.querySelector("[data-passkey-status]");
    var say = function (text) { if (status) status.textContent = text; };
    if (!window.PublicKeyCredential || !navigator.credentials) {
      var note = document.querySelector("[data-passkey-unsupported]");
      if (note) note.hidden = false;
      return;
    }
    form.hidden = false;
    var mode = form.getAttribute("data-passkey");
    form.addEventListener("submit", function (event) {
      if (form.elements.credential.value) return; // the answer is in: let the post go
      event.preventDefault();
      say("");
      var body = new URLSearchParams();
      body.set("csrf_token", form.elements.csrf_token.value);
      if (form.elements.p) body.set("p", form.elements.p.value);
      fetch(form.getAttribute("data-options-url"), { method: "POST", body: body, credentials: "same-origin" })
        .then(function (answer) {
          if (!answer.ok) throw new Error("options " + answer.status);
          return answer.json();
        })
        .then(function (options) {
          form.elements.challenge.value = options.challenge;
          return mode === "create"
            ? navigator.credentials.create({ publicKey: creationOptions(options.publicKey) })
            : navigator.credentials.get({ publicKey: requestOptions(options.publicKey) });
        })
        .then(function (credential) {
          form.elements.credential.value = credentialJson(credential);
          form.submit();
        })
        .catch(function () {
          say(form.getAttribute("data-msg-cancelled"));
        });
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("form[data-passkey]"), setUp);
})();
