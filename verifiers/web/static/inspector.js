// The inspector page's camera: only where the browser has BarcodeDetector (Shape
// Detection API). A detected QR fills the text box and submits the form, which the
// server verifies. No inline handlers: the page's CSP allows scripts from 'self' only.
"use strict";

(function () {
  const form = document.getElementById("inspect-form");
  const scanButton = document.getElementById("scan-button");
  const panel = document.getElementById("camera");
  const video = document.getElementById("camera-video");
  const status = document.getElementById("camera-status");
  const stopButton = document.getElementById("camera-stop");
  const payload = document.getElementById("payload");
  const image = document.getElementById("image");
  if (!form || !scanButton || !("BarcodeDetector" in window) || !navigator.mediaDevices) {
    return;
  }
  scanButton.hidden = false;
  let stream = null;
  let running = false;

  function stop() {
    running = false;
    if (stream) {
      stream.getTracks().forEach((track) => track.stop());
      stream = null;
    }
    video.srcObject = null;
    panel.hidden = true;
  }

  async function scan() {
    let detector;
    try {
      detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      stream = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: "environment" },
        audio: false,
      });
    } catch (error) {
      status.textContent = "无法打开摄像头 Cannot open the camera: " + error.name;
      panel.hidden = false;
      return;
    }
    panel.hidden = false;
    status.textContent = "请将二维码对准摄像头 Point the camera at the QR code";
    video.srcObject = stream;
    await video.play();
    running = true;
    while (running) {
      try {
        const codes = await detector.detect(video);
        const found = codes.find((code) => code.rawValue);
        if (found) {
          payload.value = found.rawValue;
          if (image) {
            image.value = "";
          }
          stop();
          form.submit();
          return;
        }
      } catch (error) {
        // A frame that is not ready yet; try the next one.
      }
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
  }

  scanButton.addEventListener("click", scan);
  stopButton.addEventListener("click", stop);
})();
