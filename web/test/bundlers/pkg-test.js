// The page side of the bundler tests (internal/e2e/bundlers_test.go): every
// fixture's src/main.js imports the package as an integrator would and hands
// it here; the test drives window.pkgTest, the contract all package test
// pages share (internal/e2e/testdata/classic.html is the classic-script one).
export function exposeForTest(createClient, imported, extraOptions = {}) {
  const pkgTest = { client: null, imported };
  pkgTest.start = async (options) => {
    try {
      pkgTest.client = await createClient({ ...options, ...extraOptions });
      return '';
    } catch (err) {
      return String((err && err.message) || err);
    }
  };
  pkgTest.status = () => {
    if (!pkgTest.client) return null;
    const c = pkgTest.client.snapshot().connection;
    return { state: c.state, side: c.side, version: pkgTest.client.version, runtime: c.runtime };
  };
  window.pkgTest = pkgTest;
}
