const $ = (id) => document.getElementById(id);
let ussd = null, seenOutbox = new Set();
function show(text, cls) {
  const div = document.createElement("div");
  div.className = "msg " + cls; div.textContent = text;
  $("screen").appendChild(div); $("screen").scrollTop = 1e9;
}
async function post(path, body) {
  const r = await fetch("/simulator/" + path, {method: "POST",
    headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)});
  const data = await r.json();
  if (!r.ok) throw new Error(data.error || r.statusText);
  return data;
}
async function pollOutbox(initial) {
  try {
    const data = await post("outbox", {phone: $("phone").value});
    for (const m of data.messages.reverse()) {
      if (seenOutbox.has(m.id)) continue;
      seenOutbox.add(m.id);
      if (!initial) show("SMS (" + m.kind + "): " + m.body, "out otp");
    }
  } catch (e) { /* number being typed */ }
}
$("send").onclick = async () => {
  const text = $("text").value; show(text, "in"); $("text").value = "";
  try { show((await post("sms", {phone: $("phone").value, text})).reply || "(no reply)", "out"); }
  catch (e) { show(e.message, "err"); }
  pollOutbox(false);
};
async function ussdStep(input) {
  try {
    const data = await post("ussd", {phone: $("phone").value, session: ussd.session, text: ussd.text});
    show(data.screen, "out");
    if (data.screen.startsWith("END")) { ussd = null; $("reply").disabled = true; }
  } catch (e) { show(e.message, "err"); ussd = null; $("reply").disabled = true; }
  pollOutbox(false);
}
$("dial").onclick = () => {
  ussd = {session: "sim-" + Math.random().toString(36).slice(2), text: ""};
  show("*1022#", "in"); $("reply").disabled = false; ussdStep();
};
$("reply").onclick = () => {
  if (!ussd) return;
  const input = $("text").value.trim(); $("text").value = ""; show(input, "in");
  ussd.text = ussd.text === "" ? input : ussd.text + "*" + input; ussdStep();
};
$("phone").onchange = () => { seenOutbox = new Set(); pollOutbox(true); };
pollOutbox(true); setInterval(() => pollOutbox(false), 3000);
