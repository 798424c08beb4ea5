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
async function sendSms() {
  const text = $("text").value;
  if (!text.trim()) return;  // nothing typed: nothing sent, no blank bubble
  show(text, "in"); $("text").value = "";
  try { show((await post("sms", {phone: $("phone").value, text})).reply || "(no reply)", "out"); }
  catch (e) { show(e.message, "err"); }
  pollOutbox(false);
}
function endSession() { ussd = null; $("reply").disabled = true; }
async function ussdStep() {
  try {
    const data = await post("ussd", {phone: $("phone").value, session: ussd.session, text: ussd.text});
    show(data.text, "out");  // the screen as the phone shows it, without CON/END
    if (data.ended) { show("(USSD session ended)", "note"); endSession(); }
  } catch (e) { show(e.message, "err"); endSession(); }
  pollOutbox(false);
}
function ussdReply() {
  if (!ussd) return;
  const input = $("text").value.trim();
  if (!input) return;
  $("text").value = ""; show(input, "in");
  ussd.text = ussd.text === "" ? input : ussd.text + "*" + input; ussdStep();
}
$("send").onclick = sendSms;
$("dial").onclick = () => {
  ussd = {session: "sim-" + Math.random().toString(36).slice(2), text: ""};
  show("*1022#", "in"); $("reply").disabled = false; ussdStep();
};
$("reply").onclick = ussdReply;
// Enter answers the open USSD screen, else sends the SMS.
$("text").addEventListener("keydown", (event) => {
  if (event.key !== "Enter" || event.isComposing) return;
  event.preventDefault();
  if (ussd) ussdReply(); else sendSms();
});
$("phone").onchange = () => { seenOutbox = new Set(); pollOutbox(true); };
pollOutbox(true); setInterval(() => pollOutbox(false), 3000);
