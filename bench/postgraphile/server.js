// PostGraphile 4 as its users run it in library mode: one Node process, the bench's `bench_pg`
// schema exposed read-only, and the viewer given the way PostGraphile documents it: pgSettings
// from the request (here the bearer token, as fanreel's own clients send it) for a SQL function
// to read with current_setting(). bench/graphile.py starts it: node server.js PORT DATABASE_URL
"use strict";
const http = require("http");
const { postgraphile } = require("postgraphile");

const [port, databaseUrl] = process.argv.slice(2);
const middleware = postgraphile(databaseUrl, "bench_pg", {
  graphqlRoute: "/graphql",
  graphiql: false,
  disableQueryLog: true,
  disableDefaultMutations: true,
  simpleCollections: "both", // connections (the feed's edges) and lists (a video's characters)
  setofFunctionsContainNulls: false,
  ignoreRBAC: false,
  dynamicJson: true,
  pgSettings: (req) => {
    const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization || "");
    return { "fanreel.token": match ? match[1] : "" };
  },
});

http
  .createServer((req, res) => {
    if (req.url === "/readyz") {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end("{}");
      return;
    }
    middleware(req, res);
  })
  .listen(Number(port), "127.0.0.1");
