// The development GraphiQL page: Strawberry's GraphiQL set-up (query sharing through the URL,
// the explorer plugin, the CSRF cookie) plus a demo sign-in bar. Picking a demo user asks the
// server for a development token for that user (GET graphiql/demo-token?email=...) and gives
// GraphiQL a new fetcher that sends `Authorization: Bearer <token>`; a new fetcher makes
// GraphiQL introspect again, so the Docs show the schema as that user may use it.
(function () {
  "use strict";

  const h = React.createElement;
  const STORAGE_KEY = "shopiq.graphiql.demoEmail";
  const DEMO_USERS_URL = "graphiql/demo-users";
  const DEMO_TOKEN_URL = "graphiql/demo-token";

  const EXAMPLE_QUERY = `# GraphiQL for the ShopIQ Partner Graph (development only).
#
# 1. Pick a demo user in the bar above: every request is then signed in as them.
# 2. Run the query below (Ctrl-Enter or the play button); open Docs for the schema.

{
  viewer { user { email name } }
  clients(first: 5) { totalCount edges { node { businessName status } } }
}
`;

  // URL parameters, for sharing queries: ?q=...&variables=...&headers=...
  const parameters = {};
  for (const entry of window.location.search.slice(1).split("&")) {
    const eq = entry.indexOf("=");
    if (eq >= 0) {
      parameters[decodeURIComponent(entry.slice(0, eq))] = decodeURIComponent(
        entry.slice(eq + 1).replace(/\+/g, " "),
      );
    }
  }

  function updateURL(data) {
    Object.assign(parameters, data);
    const search = Object.keys(parameters)
      .filter((key) => Boolean(parameters[key]))
      .map((key) => encodeURIComponent(key) + "=" + encodeURIComponent(parameters[key]))
      .join("&");
    history.replaceState(null, "", "?" + search);
  }

  const fetchURL = window.location.href.split(/[?#]/)[0];
  const subscriptionUrl = (() => {
    const url = new URL(fetchURL);
    url.protocol = url.protocol === "http:" ? "ws:" : "wss:";
    return url.toString();
  })();

  const baseHeaders = {};
  const csrfToken = Cookies.get("csrftoken");
  if (csrfToken) {
    baseHeaders["x-csrftoken"] = csrfToken;
  }

  function makeFetcher(token) {
    const headers = Object.assign({}, baseHeaders);
    if (token) {
      headers.Authorization = "Bearer " + token;
    }
    return GraphiQL.createFetcher({ url: fetchURL, headers, subscriptionUrl });
  }

  async function getJSON(url) {
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    if (!response.ok) {
      throw new Error(url + " answered " + response.status);
    }
    return response.json();
  }

  function DemoSignIn(props) {
    const { users, email, error, onPick } = props;
    let status;
    if (error) {
      status = error;
    } else if (email) {
      status = "Signed in as " + email + ": requests send Authorization: Bearer <token>.";
    } else {
      status = "Not signed in: operations answer 401 until you pick a demo user.";
    }
    return h(
      "div",
      { className: "shopiq-demo-signin", role: "region", "aria-label": "Demo sign-in" },
      h("strong", null, "Demo sign-in (development only)"),
      h(
        "span",
        { className: "shopiq-demo-explain" },
        "Picking a user signs you in as a demo user with a development token.",
      ),
      h(
        "label",
        null,
        "Demo user ",
        h(
          "select",
          {
            value: email || "",
            onChange: (event) => onPick(event.target.value),
            "aria-label": "Demo user",
          },
          h("option", { value: "" }, "— not signed in —"),
          users.map((user) =>
            h(
              "option",
              { key: user.email, value: user.email },
              user.email + " — " + user.name + (user.about ? " (" + user.about + ")" : ""),
            ),
          ),
        ),
      ),
      h(
        "span",
        { className: error ? "shopiq-demo-status error" : "shopiq-demo-status", role: "status" },
        status,
      ),
    );
  }

  function Page() {
    const [users, setUsers] = React.useState([]);
    const [signedIn, setSignedIn] = React.useState({ email: null, token: null });
    const [error, setError] = React.useState(null);
    const [query, setQuery] = React.useState(parameters.q || EXAMPLE_QUERY);
    const [variables, setVariables] = React.useState(parameters.variables);
    const [headers, setHeaders] = React.useState(parameters.headers);

    const fetcher = React.useMemo(() => makeFetcher(signedIn.token), [signedIn.token]);
    const explorerPlugin = React.useMemo(() => GraphiQLPluginExplorer.explorerPlugin(), []);

    const pick = React.useCallback(async (email) => {
      setError(null);
      if (!email) {
        window.localStorage.removeItem(STORAGE_KEY);
        setSignedIn({ email: null, token: null });
        return;
      }
      try {
        const body = await getJSON(DEMO_TOKEN_URL + "?email=" + encodeURIComponent(email));
        window.localStorage.setItem(STORAGE_KEY, email);
        setSignedIn({ email, token: body.token });
      } catch (exc) {
        window.localStorage.removeItem(STORAGE_KEY);
        setSignedIn({ email: null, token: null });
        setError("Could not sign in as " + email + " (" + exc.message + ").");
      }
    }, []);

    React.useEffect(() => {
      getJSON(DEMO_USERS_URL).then(
        (body) => {
          setUsers(body.users);
          const remembered = window.localStorage.getItem(STORAGE_KEY);
          if (remembered && body.users.some((user) => user.email === remembered)) {
            pick(remembered);
          }
        },
        (exc) => setError("Could not list the demo users (" + exc.message + ")."),
      );
    }, [pick]);

    return h(
      "div",
      { className: "shopiq-page" },
      h(DemoSignIn, { users, email: signedIn.email, error, onPick: pick }),
      h(
        "div",
        { className: "shopiq-graphiql" },
        h(GraphiQL, {
          fetcher,
          defaultEditorToolsVisibility: true,
          plugins: [explorerPlugin],
          query,
          variables,
          headers,
          onEditQuery: (value) => {
            setQuery(value);
            updateURL({ q: value });
          },
          onEditVariables: (value) => {
            setVariables(value);
            updateURL({ variables: value });
          },
          onEditHeaders: setHeaders,
          inputValueDeprecation: true,
          isHeadersEditorEnabled: true,
          shouldPersistHeaders: true,
        }),
      ),
    );
  }

  ReactDOM.createRoot(document.getElementById("graphiql")).render(h(Page));
})();
