// Web Push on the account page: ask the browser for a push subscription and hand it to the
// page's form (#push-subscribe-form), whose submit event carries it to the server. A static
// file rather than code sent by the server: the page's Content-Security-Policy runs this
// origin's scripts and never evaluates strings.
window.marketplacePush = {
  async subscribe() {
    const form = document.getElementById("push-subscribe-form");
    const field = document.getElementById("push-subscription");
    if (!form || !field) return;
    const send = (value) => {
      field.value = JSON.stringify(value);
      form.requestSubmit();
    };
    try {
      if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
        send({ error: "unsupported" });
        return;
      }
      const permission = await Notification.requestPermission();
      if (permission !== "granted") {
        send({ error: "denied" });
        return;
      }
      await navigator.serviceWorker.register("/push-sw.js");
      const registration = await navigator.serviceWorker.ready;
      const subscription = await registration.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: form.dataset.publicKey,
      });
      send(subscription.toJSON());
    } catch (error) {
      send({ error: String((error && error.message) || error).slice(0, 200) });
    }
  },
};
