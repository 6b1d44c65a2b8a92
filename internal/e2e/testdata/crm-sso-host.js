// The CRM page's side of SSO for the framed softphone: its token source is
// the simulator's token endpoint (in a real CRM: its IdS client). window.crm
// records when the source was called and the tokens it gave, for the test;
// failNext > 0 makes the next calls fail, as an unreachable IdS would.
import { connectToSoftphone } from '/gadget/postmessage-bridge.js';

const frame = document.getElementById('softphone');
const tokenURL = frame.dataset.tokenUrl;
const crm = { calls: [], tokens: [], errors: [], failNext: 0 };

crm.phone = connectToSoftphone({
  frame: frame.contentWindow,
  frameOrigin: new URL(frame.src).origin,
  getToken: async () => {
    if (crm.failNext > 0) {
      crm.failNext--;
      throw new Error('IdS unreachable (idp-secret-5512)');
    }
    crm.calls.push(Date.now());
    const r = await fetch(tokenURL, { method: 'POST' });
    if (!r.ok) throw new Error('token endpoint answered ' + r.status);
    const { token } = await r.json();
    crm.tokens.push(token);
    return token;
  },
  onTokenError: (err) => crm.errors.push(err.message),
});
window.crm = crm;
