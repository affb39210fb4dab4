// Security keys (WebAuthn) on the staff side: the one thing there that needs a script.
// Loaded from this site only (the CSP allows nothing inline, nothing from elsewhere).
// It asks the server for a challenge, lets the browser talk to the key, and posts the
// key's answer back as JSON; the server checks it (accounts/webauthn.py, services.py).
// What it says to people comes from the page, in the member's language: the section's
// data-text-* attributes (templates/accounts/security_key_add.html, verify.html).
"use strict";

(function () {
  function toBytes(text) {
    const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    const padded = base64 + "===".slice((base64.length + 3) % 4);
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  }

  function toText(buffer) {
    let binary = "";
    new Uint8Array(buffer).forEach((b) => { binary += String.fromCharCode(b); });
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function withBytes(options) {
    const publicKey = Object.assign({}, options);
    publicKey.challenge = toBytes(options.challenge);
    if (options.user) {
      publicKey.user = Object.assign({}, options.user, { id: toBytes(options.user.id) });
    }
    for (const name of ["excludeCredentials", "allowCredentials"]) {
      if (options[name]) {
        publicKey[name] = options[name].map((c) => Object.assign({}, c, { id: toBytes(c.id) }));
      }
    }
    return publicKey;
  }

  function asJSON(credential) {
    const response = credential.response;
    const out = {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: { clientDataJSON: toText(response.clientDataJSON) },
    };
    if (response.attestationObject) {
      out.response.attestationObject = toText(response.attestationObject);
    } else {
      out.response.authenticatorData = toText(response.authenticatorData);
      out.response.signature = toText(response.signature);
      if (response.userHandle) {
        out.response.userHandle = toText(response.userHandle);
      }
    }
    return out;
  }

  function csrfToken() {
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  async function post(url, body, refusedText) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body || {}),
    });
    const type = response.headers.get("Content-Type") || "";
    if (!type.startsWith("application/json")) {
      // Sent elsewhere (re-authentication expired, signed out): show that page.
      window.location.reload();
      throw new Error("reload");
    }
    const data = await response.json();
    if (data.redirect) {
      window.location.assign(data.redirect);
      throw new Error("redirect");
    }
    if (!response.ok) {
      throw new Error(data.error || refusedText);
    }
    return data;
  }

  function setUp(section) {
    const kind = section.dataset.webauthn;
    const ready = section.querySelector("[data-webauthn-ready]");
    const error = section.querySelector("[data-webauthn-error]");
    const start = section.querySelector("[data-webauthn-start]");
    const texts = section.dataset;
    if (!window.PublicKeyCredential || !navigator.credentials) {
      section.querySelector("[data-webauthn-needs-js]").textContent = texts.textUnsupported;
      return;
    }
    section.querySelector("[data-webauthn-needs-js]").hidden = true;
    ready.hidden = false;

    function fail(message) {
      error.textContent = message;
      error.hidden = false;
      start.disabled = false;
    }

    async function run(event) {
      event.preventDefault();
      error.hidden = true;
      start.disabled = true;
      let label = "";
      if (kind === "add") {
        label = ready.querySelector("input[name=label]").value.trim();
        if (!label) {
          fail(texts.textNoLabel);
          return;
        }
      }
      try {
        const options = await post(section.dataset.optionsUrl, {}, texts.textRefused);
        let credential;
        try {
          credential = kind === "add"
            ? await navigator.credentials.create({ publicKey: withBytes(options.publicKey) })
            : await navigator.credentials.get({ publicKey: withBytes(options.publicKey) });
        } catch (refused) {
          fail(texts.textNoAnswer);
          return;
        }
        let url = section.dataset.url;
        if (section.dataset.next) {
          url += "?next=" + encodeURIComponent(section.dataset.next);
        }
        await post(url, { label: label, credential: asJSON(credential) }, texts.textRefused);
      } catch (problem) {
        if (problem.message !== "redirect" && problem.message !== "reload") {
          fail(problem.message);
        }
      }
    }

    if (kind === "add") {
      ready.addEventListener("submit", run);
    } else {
      start.addEventListener("click", run);
    }
  }

  document.querySelectorAll("[data-webauthn]").forEach(setUp);
})();
