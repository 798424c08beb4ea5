"""The records API (`/api/v1`) for the web declaration system: JSON resources behind
bearer tokens, cursor pagination, a change feed and an exposure query, described by
an OpenAPI 3 document generated from the code (flask-smorest and marshmallow) at
`/api/v1/openapi.json`, browsable at `/api/v1/docs`."""
