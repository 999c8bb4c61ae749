// 出示: ask the server for a holder-signed presentation, show its QR with a
// countdown, and fetch the next one before this one expires, so a screenshot goes
// stale. Times are measured on this page's own monotonic clock from when each
// response arrived (the phone's wall clock may be off), using lifetime_seconds.
"use strict";

(function () {
  const section = document.getElementById("presentation");
  const qr = document.getElementById("qr");
  const countdown = document.getElementById("countdown");
  const statusLine = document.getElementById("present-status");
  const refreshButton = document.getElementById("refresh");
  const csrfMeta = document.querySelector('meta[name="csrf-token"]');
  if (!section || !qr) {
    return;
  }
  const endpoint = section.dataset.endpoint;
  const csrf = csrfMeta ? csrfMeta.content : "";
  const RETRY_MS = 5000;
  let expiresAt = 0; // performance.now() when the shown code expires
  let refreshAt = Infinity;
  let refreshTimer = null;
  let objectUrl = null;
  let busy = false;

  function say(zh, en) {
    statusLine.textContent = zh + " " + en;
  }

  function schedule(delayMs) {
    clearTimeout(refreshTimer);
    refreshAt = performance.now() + delayMs;
    refreshTimer = setTimeout(refresh, delayMs);
  }

  // Refresh 10 s before expiry (60 s codes at 50 s); a short-lived code at half-life,
  // so a slow network or a busy phone still has time to fetch the next one.
  function leadMs(lifetimeSeconds) {
    return Math.min(10, lifetimeSeconds * 0.5) * 1000;
  }

  function show(body) {
    const received = performance.now();
    const lifetime = Number(body.lifetime_seconds) || 60;
    const url = URL.createObjectURL(new Blob([body.qr_svg], { type: "image/svg+xml" }));
    qr.src = url;
    qr.hidden = false;
    if (objectUrl) {
      URL.revokeObjectURL(objectUrl);
    }
    objectUrl = url;
    section.dataset.generation = String(Number(section.dataset.generation || "0") + 1);
    section.dataset.issuedAt = body.issued_at;
    section.dataset.expiresAt = body.expires_at;
    section.classList.remove("expired");
    expiresAt = received + lifetime * 1000;
    say("请向核验人员出示此二维码。", "Show this code to the inspector.");
    schedule(Math.max(500, lifetime * 1000 - leadMs(lifetime)));
    tick();
  }

  async function refresh() {
    if (busy) {
      return;
    }
    busy = true;
    clearTimeout(refreshTimer);
    let response;
    try {
      response = await fetch(endpoint, {
        method: "POST",
        credentials: "same-origin",
        cache: "no-store",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: "{}",
      });
    } catch (error) {
      busy = false;
      say("网络错误，正在重试…", "Network error; retrying…");
      schedule(RETRY_MS);
      return;
    }
    busy = false;
    if (response.status === 401) {
      window.location.assign(section.dataset.login);
      return;
    }
    if (response.status === 409) {
      say(
        "此证照的持证人密钥在已登记的设备上，请在该设备上出示。",
        "The holder key lives on a registered device: show the certificate from that device."
      );
      return;
    }
    if (response.status === 413) {
      say(
        "此证照内容过多，无法放入一个动态二维码。",
        "This certificate holds too much to fit one live QR code."
      );
      return;
    }
    if (response.status === 403) {
      say("页面已过期，请重新登录。", "The page expired; please sign in again.");
      return;
    }
    if (!response.ok) {
      let code = String(response.status);
      try {
        code = (await response.json()).error.code || code;
      } catch (error) {
        // not JSON; keep the status
      }
      say("暂时无法生成二维码（" + code + "），正在重试…", "Cannot make the code (" + code + "); retrying…");
      schedule(RETRY_MS);
      return;
    }
    show(await response.json());
  }

  function tick() {
    if (!expiresAt) {
      return;
    }
    const now = performance.now();
    const remaining = Math.max(0, Math.ceil((expiresAt - now) / 1000));
    countdown.textContent = String(remaining);
    if (remaining === 0) {
      section.classList.add("expired");
    }
    if (now >= refreshAt && !busy) {
      refresh(); // a timer throttled in a background tab
    }
  }

  setInterval(tick, 250);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") {
      tick();
    }
  });
  refreshButton.addEventListener("click", refresh);
  refresh();
})();
