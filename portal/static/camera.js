// The share page's camera: the front camera in the page, an oval guide, and live hints before
// the shot ("closer", "face the camera", "more light", "hold still") from MediaPipe's face
// landmarker, run in the browser from the portal's own copy of the runtime and the project's
// models/face_landmarker.task (never a CDN). The shot goes through the same upload form as a
// picked file, and the server's verdict stays the authority: the hints only help the first
// upload pass. The file picker stays as the fallback.
const root = document.getElementById("camera");
const TEXT = {
  start: ["Starter kameraet …", "Starting the camera …"],
  loading: ["Laster ansiktsveiledningen …", "Loading the face guide …"],
  denied: ["Fikk ikke bruke kameraet. Velg en fil i stedet.", "Could not use the camera. Choose a file instead."],
  noFace: ["Få ansiktet ditt inn i ovalen.", "Bring your face into the oval."],
  twoFaces: ["Bare én person i bildet.", "Only one person in the picture."],
  closer: ["Kom nærmere kameraet.", "Come closer to the camera."],
  further: ["Litt lenger unna: hele hodet skal være med.", "A little further away: the whole head must show."],
  centre: ["Flytt ansiktet til midten av ovalen.", "Move your face to the middle of the oval."],
  straight: ["Se rett inn i kameraet.", "Face the camera straight on."],
  level: ["Hold hodet rett, ikke på skrå.", "Hold your head level, not tilted."],
  dark: ["Mer lys: still deg mot et vindu eller en lampe.", "More light: face a window or a lamp."],
  bright: ["For sterkt lys i ansiktet.", "Too much light on the face."],
  still: ["Hold stille …", "Hold still …"],
  ready: ["Bra! Trykk «Ta bildet».", "Good! Press “Take the photo”."],
};

// Limits of the guide, in the captured frame's pixels or as shares of it. They ask a little
// more than the server's pass limits (90 px between the eyes, head within the frame), so a
// photo taken when the guide says "good" passes those rules.
const MIN_EYE_DISTANCE_PX = 105;
const MAX_YAW_DEG = 8;
const MAX_PITCH_DEG = 12;
const MAX_ROLL_DEG = 6;
const DARK_LUMA = 80;
const BRIGHT_LUMA = 215;
const STILL_SHARE = 0.012; // nose movement per frame, share of the frame width
const READY_MS = 600;

function say(lang, key) {
  const pair = TEXT[key];
  return lang === "en" ? pair[1] : pair[0];
}

function angles(matrix) {
  // Column-major 4x4: rotation entries R[row][col] = d[col * 4 + row].
  const d = matrix.data;
  const yaw = (Math.asin(Math.max(-1, Math.min(1, -d[2]))) * 180) / Math.PI;
  let pitch = (Math.atan2(d[6], d[10]) * 180) / Math.PI;
  if (pitch > 90) pitch -= 180;
  if (pitch < -90) pitch += 180;
  return { yaw, pitch };
}

export function judge(result, frame, state) {
  // One hint (the first problem), or "ready"; `frame` = {width, height, luma(box)}.
  const faces = result.faceLandmarks || [];
  if (faces.length === 0) return "noFace";
  if (faces.length > 1) return "twoFaces";
  const points = faces[0].map((p) => ({ x: p.x * frame.width, y: p.y * frame.height }));
  const eyeDistance = Math.hypot(points[473].x - points[468].x, points[473].y - points[468].y);
  const top = points[10].y, chin = points[152].y, faceHeight = chin - top;
  const centreX = (points[234].x + points[454].x) / 2;
  if (eyeDistance < MIN_EYE_DISTANCE_PX) return "closer";
  if (top - 0.6 * faceHeight < 0.02 * frame.height || chin + 0.15 * faceHeight > frame.height) return "further";
  if (Math.abs(centreX - frame.width / 2) > 0.15 * frame.width) return "centre";
  const roll = (Math.atan2(points[263].y - points[33].y, points[263].x - points[33].x) * 180) / Math.PI;
  if (result.facialTransformationMatrixes && result.facialTransformationMatrixes[0]) {
    const { yaw, pitch } = angles(result.facialTransformationMatrixes[0]);
    if (Math.abs(yaw) > MAX_YAW_DEG || Math.abs(pitch) > MAX_PITCH_DEG) return "straight";
  }
  if (Math.abs(roll) > MAX_ROLL_DEG) return "level";
  const xs = points.map((p) => p.x), ys = points.map((p) => p.y);
  const luma = frame.luma(Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys));
  if (luma < DARK_LUMA) return "dark";
  if (luma > BRIGHT_LUMA) return "bright";
  const nose = points[1];
  const moved = state.nose ? Math.hypot(nose.x - state.nose.x, nose.y - state.nose.y) / frame.width : 1;
  state.nose = nose;
  if (moved > STILL_SHARE) return "still";
  return "ready";
}

function drawGuide(canvas, video, ok) {
  const box = video.getBoundingClientRect();
  canvas.width = box.width;
  canvas.height = box.height;
  const g = canvas.getContext("2d");
  g.clearRect(0, 0, canvas.width, canvas.height);
  g.save();
  g.fillStyle = "rgba(0, 0, 0, 0.35)";
  g.fillRect(0, 0, canvas.width, canvas.height);
  g.globalCompositeOperation = "destination-out";
  g.beginPath();
  g.ellipse(canvas.width / 2, canvas.height * 0.46, canvas.width * 0.24, canvas.height * 0.36, 0, 0, 2 * Math.PI);
  g.fill();
  g.restore();
  g.lineWidth = 4;
  g.strokeStyle = ok ? "#34a853" : "#ffffff";
  g.setLineDash(ok ? [] : [10, 8]);
  g.beginPath();
  g.ellipse(canvas.width / 2, canvas.height * 0.46, canvas.width * 0.24, canvas.height * 0.36, 0, 0, 2 * Math.PI);
  g.stroke();
}

function lumaReader(video) {
  const probe = document.createElement("canvas");
  probe.width = 64;
  probe.height = 64;
  const g = probe.getContext("2d", { willReadFrequently: true });
  return (x0, y0, x1, y1) => {
    const w = Math.max(1, x1 - x0), h = Math.max(1, y1 - y0);
    g.drawImage(video, x0, y0, w, h, 0, 0, 64, 64);
    const px = g.getImageData(0, 0, 64, 64).data;
    let sum = 0;
    for (let i = 0; i < px.length; i += 4) sum += 0.299 * px[i] + 0.587 * px[i + 1] + 0.114 * px[i + 2];
    return sum / (px.length / 4);
  };
}

async function start(lang) {
  const stage = root.querySelector(".camera-stage");
  const video = document.getElementById("camera-video");
  const overlay = document.getElementById("camera-overlay");
  const hint = document.getElementById("camera-hint");
  const shoot = document.getElementById("camera-shoot");
  const stop = document.getElementById("camera-stop");
  const form = document.querySelector("form[action$='/photo']");
  hint.textContent = say(lang, "start");
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      // The camera's own full frames (no rescaling to a requested shape: a squeezed face
      // would change the measured proportions), as large as it offers up to 1920 px.
      video: { facingMode: "user", width: { ideal: 1920 }, height: { ideal: 1920 }, resizeMode: "none" },
      audio: false,
    });
  } catch (err) {
    hint.textContent = say(lang, "denied");
    root.dataset.state = "denied";
    return;
  }
  video.srcObject = stream;
  await video.play();
  stage.hidden = false;
  stop.hidden = false;
  shoot.hidden = false;
  shoot.disabled = false;
  hint.textContent = say(lang, "loading");
  // Loaded on the first use only: a page visit that never opens the camera pays nothing.
  const { FaceLandmarker, FilesetResolver } = await import("/vendor/tasks-vision/vision_bundle.mjs");
  const wasm = await FilesetResolver.forVisionTasks(root.dataset.wasm);
  const landmarker = await FaceLandmarker.createFromOptions(wasm, {
    baseOptions: { modelAssetPath: root.dataset.model, delegate: "CPU" },
    runningMode: "VIDEO",
    numFaces: 2,
    outputFacialTransformationMatrixes: true,
  });
  const frame = { width: 0, height: 0, luma: lumaReader(video) };
  const state = { nose: null, readySince: 0 };
  let running = true;
  root.dataset.state = "guiding";

  function close() {
    running = false;
    stream.getTracks().forEach((t) => t.stop());
    stage.hidden = true;
    shoot.hidden = true;
    stop.hidden = true;
    document.getElementById("camera-start").hidden = false; // ready for a retake
    landmarker.close();
  }
  stop.onclick = () => { close(); hint.textContent = ""; root.dataset.state = "closed"; };
  shoot.onclick = () => {
    const canvas = document.createElement("canvas");
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext("2d").drawImage(video, 0, 0);
    canvas.toBlob((blob) => {
      const file = new File([blob], "kamera.jpg", { type: "image/jpeg" });
      const input = form.querySelector("input[type=file]");
      const files = new DataTransfer();
      files.items.add(file);
      input.files = files.files;
      close();
      hint.textContent = "";
      root.dataset.state = "taken";
      form.requestSubmit();
    }, "image/jpeg", 0.92);
  };

  let last = -1;
  function tick() {
    if (!running) return;
    if (video.readyState >= 2 && video.currentTime !== last) {
      last = video.currentTime;
      frame.width = video.videoWidth;
      frame.height = video.videoHeight;
      const key = judge(landmarker.detectForVideo(video, performance.now()), frame, state);
      const now = performance.now();
      if (key === "ready") state.readySince = state.readySince || now;
      else state.readySince = 0;
      const ready = key === "ready" && now - state.readySince >= READY_MS;
      // The shot is never blocked (the guide may be wrong; the server decides): the button
      // only lights up when the guide is satisfied.
      shoot.classList.toggle("ready", ready);
      root.dataset.hint = ready ? "ready" : key === "ready" ? "still" : key;
      hint.textContent = say(lang, ready ? "ready" : key === "ready" ? "still" : key);
      drawGuide(overlay, video, ready);
    }
    requestAnimationFrame(tick);
  }
  requestAnimationFrame(tick);
}

if (root && navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
  root.hidden = false;
  const lang = document.documentElement.lang === "en" ? "en" : "nb";
  document.getElementById("camera-start").addEventListener("click", (ev) => {
    ev.currentTarget.hidden = true;
    start(lang);
  });
}
