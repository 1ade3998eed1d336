#include "http/openapi.h"

#include <array>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "http/docs_assets.h"
#include "http/server.h"

namespace lia::http {
namespace {

using nlohmann::json;

// The document is JSON text, split in pieces that are each under the 65,536
// characters a compiler must accept in one literal; OpenApiDocument() merges
// them. Field names, enums and limits are those of api_v1.cc, jobs_api.cc,
// events_api.cc, service/opportunity_json.cc, service/maintenance.cc and
// core/json.cc; openapi_test validates real responses against these
// schemas, so a drift fails a test.

constexpr std::string_view kHead = R"json({
  "openapi": "3.1.0",
  "info": {
    "title": "lia",
    "version": "0.1.0",
    "summary": "LinkedIn Inbox Agent: recruiter messages in, scored opportunities and drafted replies out.",
    "description": "lia turns each recruiter message into a scored **opportunity** (company, role, seniority, tech stack, salary with a yearly USD equivalent, remote policy, filters, a 0-100 score, a tier) and drafts a reply that you approve, edit or decline.\n\n**Authentication.** Paths under `/api` need `Authorization: Bearer <token>` when lia listens beyond loopback (tokens: `LIA_API_TOKEN` or `lia token create NAME`); on 127.0.0.1 they are open. Health and documentation paths never need a token.\n\n**Errors** are `application/problem+json` (RFC 9457): `type`, `title`, `status`, `detail`, `instance`, and for validation an `errors` list of `{field, message}`. Unknown query parameters are 400, never ignored; invalid values and bodies are 422. A method a path does not support is 405 with an `Allow` header. Bodies over 1 MiB (256 MiB under `/api/v1/imports`) are 413; headers over 16 KiB are 431.\n\n**Enums** in query parameters and bodies are matched ignoring case and the separators space, `-` and `_`; responses always use the spellings listed here.\n\nEvery response carries `X-Request-Id` (the request's own, or a generated one).\n\n**Background work.** What analyses messages (POST /api/v1/messages, /api/v1/imports, /api/v1/opportunities/{id}/reprocess and /api/v1/opportunities/rescore) answers `202 Accepted` at once with the job doing it and `Location: /api/v1/jobs/{id}`. Poll the job, or watch GET /api/v1/events; `?wait=true` answers when the work is done instead, as these operations did before jobs."
  },
  "servers": [{"url": "/", "description": "The lia serving this document"}],
  "tags": [
    {"name": "health", "description": "Liveness and readiness probes."},
    {"name": "messages", "description": "Recruiter messages in: one, a batch, or a LinkedIn export."},
    {"name": "opportunities", "description": "What lia concluded from each message, and what you did with it."},
    {"name": "responses", "description": "Drafted replies: approve, edit or decline."},
    {"name": "profile", "description": "The candidate profile the scores are made with."},
    {"name": "jobs", "description": "Background jobs (durable, retried with backoff) and the schedules that start them."},
    {"name": "digests", "description": "The daily digest: what arrived, what is best, what awaits a reply."},
    {"name": "events", "description": "Live events as Server-Sent Events, resumable after a disconnect."},
    {"name": "docs", "description": "This document and its browsable page."}
  ],
  "security": [{"bearerAuth": []}]
})json";

constexpr std::string_view kPathsHealthDocs = R"json({"paths": {
  "/health": {
    "get": {
      "tags": ["health"],
      "operationId": "getHealth",
      "summary": "Liveness",
      "description": "200 while the process serves requests.",
      "security": [],
      "responses": {
        "200": {"description": "Alive.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}}}
      }
    }
  },
  "/startup": {
    "get": {
      "tags": ["health"],
      "operationId": "getStartup",
      "summary": "Startup probe",
      "description": "200 once the server has started (same body as /health).",
      "security": [],
      "responses": {
        "200": {"description": "Started.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}}}
      }
    }
  },
  "/ready": {
    "get": {
      "tags": ["health"],
      "operationId": "getReadiness",
      "summary": "Readiness",
      "description": "Checks the store (a round trip) and the cache. A failing store makes lia unready (503); a failing cache only degrades it, since the cache never fails a request.",
      "security": [],
      "responses": {
        "200": {
          "description": "Ready to serve.",
          "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Readiness"},
            "example": {"status": "ready", "checks": {"store": "ok", "cache": "ok"}}
          }}
        },
        "503": {
          "description": "The store cannot be reached.",
          "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Readiness"},
            "example": {"status": "unavailable", "checks": {"store": "database is locked", "cache": "ok"}}
          }}
        }
      }
    }
  },
  "/api/v1/health/live": {
    "get": {
      "tags": ["health"],
      "operationId": "getApiLiveness",
      "summary": "Liveness under the API prefix",
      "description": "The same as /health, at the original system's path. Being under `/api`, it needs a token when lia requires them.",
      "responses": {
        "200": {"description": "Alive.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}}},
        "401": {"$ref": "#/components/responses/Unauthorized"}
      }
    }
  },
  "/openapi.json": {
    "get": {
      "tags": ["docs"],
      "operationId": "getOpenApiDocument",
      "summary": "This OpenAPI document",
      "security": [],
      "responses": {
        "200": {
          "description": "The OpenAPI 3.1 document.",
          "content": {"application/json": {"schema": {"type": "object", "required": ["openapi", "info", "paths"], "properties": {"openapi": {"type": "string", "const": "3.1.0"}, "info": {"type": "object"}, "paths": {"type": "object"}}, "additionalProperties": true}}}
        }
      }
    }
  },
  "/docs": {
    "get": {
      "tags": ["docs"],
      "operationId": "getDocsPage",
      "summary": "Browsable API documentation",
      "description": "Swagger UI over /openapi.json. Its files are served by lia itself from /docs/assets; nothing is loaded from elsewhere.",
      "security": [],
      "responses": {
        "200": {"description": "The page.", "content": {"text/html": {"schema": {"type": "string"}}}},
        "301": {"description": "Asked for `/docs/`: redirects to `/docs`, where the page's relative links resolve.", "headers": {"Location": {"description": "`../docs`.", "schema": {"type": "string", "format": "uri-reference"}}}},
        "503": {"$ref": "#/components/responses/DocsUnavailable"}
      }
    }
  },
  "/docs/assets/{file}": {
    "get": {
      "tags": ["docs"],
      "operationId": "getDocsAsset",
      "summary": "A file of the documentation page",
      "security": [],
      "parameters": [{
        "name": "file",
        "in": "path",
        "required": true,
        "description": "The file's name.",
        "schema": {"type": "string", "enum": ["swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "favicon-32x32.png", "favicon-16x16.png", "lia-docs.js"]}
      }],
      "responses": {
        "200": {
          "description": "The file; cacheable for an hour.",
          "content": {
            "text/css": {"schema": {"type": "string"}},
            "text/javascript": {"schema": {"type": "string"}},
            "image/png": {"schema": {"type": "string", "contentMediaType": "image/png"}}
          }
        },
        "404": {"$ref": "#/components/responses/NotFound"},
        "503": {"$ref": "#/components/responses/DocsUnavailable"}
      }
    }
  }
}})json";

constexpr std::string_view kPathsMessages = R"json({"paths": {
  "/api/v1/messages": {
    "post": {
      "tags": ["messages"],
      "operationId": "ingestMessages",
      "summary": "Ingest one message or a batch",
      "description": "Stores each message once. A message already stored (same `source_id`, or same conversation, sender, `sent_at` and text) is a duplicate: nothing is written and its existing opportunity is named. A batch (`{\"messages\": [...]}`, at most 1,000) is stored in one transaction: one invalid message rejects the whole batch (422 naming `messages[i]`).\n\nBy default each new message is stored with a `process_message` job in the same transaction, and the answer comes at once: 202 with the job of each message (one message: `Location` of its job; follow it, or watch GET /api/v1/events for `opportunity.created`). 200 when no job was needed: duplicates whose opportunities exist (one message: `Location` of its opportunity).\n\nWith `wait=true` the messages are analysed before the answer. One message: 201 when new (with `Location` of its opportunity), 200 when a duplicate. A batch: 201 when at least one message was new, else 200.",
      "parameters": [{"$ref": "#/components/parameters/Wait"}],
      "requestBody": {
        "required": true,
        "content": {"application/json": {
          "schema": {"oneOf": [
            {"$ref": "#/components/schemas/Message"},
            {"$ref": "#/components/schemas/MessageBatch"}
          ]},
          "examples": {
            "one": {"summary": "One message", "value": {"sender": "Lauren Hayes", "text": "Hi! We're hiring a Senior Go engineer at Acme, fully remote, $180k-$210k. Interested?", "conversation_id": "conv-1", "sent_at": "2026-11-20T09:30:00Z"}},
            "batch": {"summary": "A batch", "value": {"messages": [{"id": "a1", "sender": "Lauren Hayes", "text": "Hi! Senior Go role at Acme, remote."}, {"id": "a2", "sender": "Diego Ruiz", "text": "Hola, ¿sigues interesado en la posición?", "thread": [{"from": "recruiter", "text": "Hola, tenemos una vacante de backend."}, {"from": "candidate", "text": "Gracias, ¿cuál es el rango salarial?"}]}]}}
          }
        }}
      },
      "responses": {
        "200": {
          "description": "Nothing new to do. Without `wait`: duplicates whose opportunities exist, so no job was queued (`Location` of the opportunity for one message). With `wait=true`: only duplicates.",
          "headers": {"Location": {"$ref": "#/components/headers/OpportunityLocation"}},
          "content": {"application/json": {"schema": {"oneOf": [
            {"$ref": "#/components/schemas/QueuedMessage"},
            {"$ref": "#/components/schemas/QueuedMessageBatch"},
            {"$ref": "#/components/schemas/IngestResult"},
            {"$ref": "#/components/schemas/IngestBatchResult"}
          ]}}}
        },
        "201": {
          "description": "`wait=true`: stored and analysed.",
          "headers": {"Location": {"$ref": "#/components/headers/OpportunityLocation"}},
          "content": {"application/json": {"schema": {"oneOf": [
            {"$ref": "#/components/schemas/IngestResult"},
            {"$ref": "#/components/schemas/IngestBatchResult"}
          ]}}}
        },
        "202": {
          "description": "Stored; analysis queued, one `process_message` job per new message.",
          "headers": {"Location": {"$ref": "#/components/headers/JobLocation"}},
          "content": {"application/json": {
            "schema": {"oneOf": [
              {"$ref": "#/components/schemas/QueuedMessage"},
              {"$ref": "#/components/schemas/QueuedMessageBatch"}
            ]},
            "examples": {
              "one": {"summary": "One message", "value": {"message_id": 311, "duplicate": false, "opportunity_id": null, "job_id": 958}},
              "batch": {"summary": "A batch", "value": {"items": [{"message_id": 312, "duplicate": false, "opportunity_id": null, "job_id": 959}, {"message_id": 204, "duplicate": true, "opportunity_id": 187, "job_id": null}], "accepted": 1, "duplicates": 1, "jobs": 1}}
            }
          }}
        },
        "400": {"$ref": "#/components/responses/BadRequest"},
        "401": {"$ref": "#/components/responses/Unauthorized"},
        "413": {"$ref": "#/components/responses/PayloadTooLarge"},
        "422": {"$ref": "#/components/responses/UnprocessableContent"},
        "500": {"$ref": "#/components/responses/InternalError"},
        "503": {"$ref": "#/components/responses/Unavailable"}
      }
    }
  },
  "/api/v1/imports": {
    "post": {
      "tags": ["messages"],
      "operationId": "importLinkedInExport",
      "summary": "Import a LinkedIn data export",
      "description": "The body is LinkedIn's data export as downloaded (the zip) or its `messages.csv`, at most 256 MiB. Drafts and sponsored messages are skipped; each conversation's newest inbound message is ingested with the earlier ones as its thread. Importing the same export again only counts duplicates. Malformed rows are reported in `errors` and do not stop the import.\n\nBy default the body is stored with an `import_export` job and the answer is 202 at once: follow the import (GET /api/v1/imports/{id}, whose `summary` the job fills in) or its job; the job queues one `process_message` job per new message, and `import.progress` events report its progress. With `wait=true` the export is imported and analysed before the answer: 201 with the summary.",
      "parameters": [{"$ref": "#/components/parameters/Wait"}],
      "requestBody": {
        "required": true,
        "content": {
          "application/zip": {"schema": {"type": "string", "contentMediaType": "application/zip"}},
          "text/csv": {"schema": {"type": "string"}},
          "application/octet-stream": {"schema": {"type": "string", "contentMediaType": "application/octet-stream"}}
        }
      },
      "responses": {
        "201": {
          "description": "`wait=true`: imported and analysed.",
          "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/ImportSummary"},
            "example": {"rows": 412, "conversations": 57, "analysed": 49, "queued": 0, "duplicates": 0, "skipped_drafts": 3, "skipped_sponsored": 5, "without_inbound": 8, "errors": ["line 17: expected 11 fields, got 9"]}
          }}
        },
        "202": {
          "description": "Stored; the import is queued.",
          "headers": {"Location": {"$ref": "#/components/headers/JobLocation"}},
          "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/QueuedImport"},
            "example": {"import_id": 12, "job_id": 960}
          }}
        },
        "400": {"$ref": "#/components/responses/BadRequest"},
        "401": {"$ref": "#/components/responses/Unauthorized"},
        "413": {"$ref": "#/components/responses/PayloadTooLarge"},
        "422": {"$ref": "#/components/responses/UnprocessableContent"},
        "500": {"$ref": "#/components/responses/InternalError"},
        "503": {"$ref": "#/components/responses/Unavailable"}
      }
    }
  },
  "/api/v1/imports/{id}": {
    "parameters": [{"$ref": "#/components/parameters/ImportId"}],
    "get": {
      "tags": ["messages"],
      "operationId": "getImport",
      "summary": "One import",
      "description": "An export posted to /api/v1/imports (`import_id` of its 202): `queued` until its job has read it, then `done` with the counts in `summary`, or `failed` with the reason. Records are kept 30 days by default (retention `uploads_days`).",
      "responses": {
        "200": {
          "description": "The import.",
          "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Import"},
            "example": {"id": 12, "kind": "linkedin-export", "size": 1843302, "state": "done", "summary": {"rows": 412, "conversations": 57, "analysed": 0, "queued": 49, "duplicates": 0, "skipped_drafts": 3, "skipped_sponsored": 5, "without_inbound": 8, "errors": []}, "created_at": "2026-11-20T09:30:00.000Z", "updated_at": "2026-11-20T09:30:02.412Z"}
          }}
        },
        "400": {"$ref": "#/components/responses/BadRequest"},
        "401": {"$ref": "#/components/responses/Unauthorized"},
        "404": {"$ref": "#/components/responses/NotFound"},
        "422": {"$ref": "#/components/responses/UnprocessableContent"},
        "500": {"$ref": "#/components/responses/InternalError"},
        "503": {"$ref": "#/components/responses/Unavailable"}
      }
    }
  }
}})json";

constexpr std::string_view kPathsOpportunities = R"json({"paths": {
  "/api/v1/opportunities": {
    "get": {
      "tags": ["opportunities"],
      "operationId": "listOpportunities",
      "summary": "List opportunities",
      "description": "Filters combine with AND. Page with `skip`/`limit`, or with `cursor` (from `next_cursor`), which stays stable while new opportunities arrive.",
      "parameters": [
        {"$ref": "#/components/parameters/Skip"},
        {"$ref": "#/components/parameters/Limit"},
        {"name": "cursor", "in": "query", "description": "Opaque cursor from a previous page's `next_cursor`; `skip` is ignored when it is set.", "schema": {"type": "string"}},
        {"name": "tier", "in": "query", "style": "form", "explode": true, "description": "Effective tier (`manual_tier` when set, else the computed one). Repeat for any of several: `tier=HIGH_PRIORITY&tier=INTERESTING`.", "schema": {"type": "array", "items": {"$ref": "#/components/schemas/Tier"}}},
        {"name": "status", "in": "query", "description": "What you did with the opportunity.", "schema": {"$ref": "#/components/schemas/OpportunityStatus"}},
        {"name": "processing_status", "in": "query", "schema": {"$ref": "#/components/schemas/ProcessingStatus"}},
        {"name": "conversation_state", "in": "query", "schema": {"$ref": "#/components/schemas/ConversationState"}},
        {"name": "min_score", "in": "query", "description": "Lowest total score, inclusive.", "schema": {"type": "integer", "minimum": 0, "maximum": 100}},
        {"name": "max_score", "in": "query", "description": "Highest total score, inclusive; not below `min_score`.", "schema": {"type": "integer", "minimum": 0, "maximum": 100}},
        {"name": "company", "in": "query", "description": "Case-insensitive substring of the company.", "schema": {"type": "string"}},
        {"name": "tech", "in": "query", "style": "form", "explode": true, "description": "Canonical technology names (`Go`, `PostgreSQL`...). Repeat for several; see `tech_match`.", "schema": {"type": "array", "items": {"type": "string"}}},
        {"name": "tech_match", "in": "query", "description": "`any`: at least one of `tech`; `all`: every one.", "schema": {"type": "string", "enum": ["any", "all"], "default": "any"}},
        {"name": "remote_policy", "in": "query", "schema": {"$ref": "#/components/schemas/RemotePolicy"}},
        {"name": "min_salary_usd", "in": "query", "description": "Yearly USD: the offer's upper bound must reach it.", "schema": {"type": "integer", "minimum": 0, "maximum": 100000000}},
        {"name": "q", "in": "query", "description": "Full-text search over company, role and message.", "schema": {"type": "string"}},
        {"name": "created_from", "in": "query", "description": "RFC 3339, inclusive.", "schema": {"type": "string", "format": "date-time"}},
        {"name": "created_to", "in": "query", "description": "RFC 3339, exclusive.", "schema": {"type": "string", "format": "date-time"}},
        {"name": "sort_by", "in": "query", "description": "`salary` sorts by the yearly USD upper bound.", "schema": {"type": "string", "enum": ["created_at", "total_score", "company", "salary"], "default": "created_at"}},
        {"name": "sort_order", "in": "query", "schema": {"type": "string", "enum": ["asc", "desc"], "default": "desc"}}
      ],
      "responses": {
        "200": {"description": "A page of opportunities.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/OpportunityPage"}}}},
        "400": {"$ref": "#/components/responses/BadRequest"},
        "401": {"$ref": "#/components/responses/Unauthorized"},
        "422": {"$ref": "#/components/responses/UnprocessableContent"},
        "500": {"$ref": "#/components/responses/InternalError"},
        "503": {"$ref": "#/components/responses/Unavailable"}
      }
    },
    "post": {
      "tags": ["opportunities"],
      "operationId": "createOpportunity",
      "summary": "Analyse one message (original system's form)",
      "description": "The original system's body. The same as posting `{\"sender\": recruiter_name, \"text\": raw_message}` to /api/v1/messages, but answers with the opportunity itself: 201 when new, 200 when the message was already stored.",
      "requestBody": {
        "required": true,
        "content": {"application/json": {
          "schema": {"$ref": "#/components/schemas/NewOpportunity"},
          "example": {"recruiter_name": "Lauren Hayes", "raw_message": "Hi! We're hiring a Senior Go engineer at Acme, fully remote, $180k-$210k. Interested?"}
        }}
      },
      "responses": {
        "200": {"description": "Already stored: the existing opportunity.", "headers": {"Location": {"$ref": "#/components/headers/OpportunityLocation"}}, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Opportunity"}}}},
        "201": {"description": "Analysed and stored.", "headers": {"Location": {"$ref": "#/components/headers/OpportunityLocation"}}, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Opportunity"}}}},
        "400": {"$ref": "#/components/responses/BadRequest"},
        "401": {"$ref": "#/components/responses/Unauthorized"},
        "413": {"$ref": "#/components/responses/PayloadTooLarge"},
        "422": {"$ref": "#/components/responses/UnprocessableContent"},
        "500": {"$ref": "#/components/responses/InternalError"},
        "503": {"$ref": "#/components/responses/Unavailable"}
      }
    }
  },
  "/api/v1/opportunities/stats": {
    "get": {
      "tags": ["opportunities"],
      "operationId": "getOpportunityStats",
      "summary": "Counts and score statistics",
      "responses": {
        "200": {"description": "Statistics over every opportunity.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Stats"}}}},
        "400": {"$ref": "#/components/responses/BadRequest"},
        "401": {"$ref": "#/components/responses/Unauthorized"},
        "500": {"$ref": "#/components/responses/InternalError"},
        "503": {"$ref": "#/components/responses/Unavailable"}
      }
    }
  },
  "/api/v1/opportunities/manual-review": {
    "get": {
      "tags": ["opportunities"],
      "operationId": "listManualReview",
      "summary": "Opportunities awaiting you",
      "description": "New opportunities (status `new`, conversation state `NEW_OPPORTUNITY`) of tier HIGH_PRIORITY or INTERESTING, best score first.",
      "parameters": [
        {"$ref": "#/components/parameters/Skip"},
        {"$ref": "#/components/parameters/Limit"}
      ],
      "responses": {
        "200": {"description": "A page of opportunities.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/OpportunityPage"}}}},
        "400": {"$ref": "#/components/responses/BadRequest"},
        "401": {"$ref": "#/components/responses/Unauthorized"},
        "422": {"$ref": "#/components/responses/UnprocessableContent"},
        "500": {"$ref": "#/components/responses/InternalError"},
        "503": {"$ref": "#/components/responses/Unavailable"}
      }
    }
  },
  "/api/v1/opportunities/rescore": {
    "post": {
      "tags": ["opportunities"],
      "operationId": "rescoreOpportunities",
      "summary": "Re-score every opportunity",
      "description": "Scores every opportunity again with the current profile (after PUT /api/v1/profile). Status, notes and manual tiers are kept; each changed opportunity publishes `opportunity.updated`.\n\nBy default a `rescore_all` job does it: 202 with the job. One such job is live at a time, so asking again while it is queued or running answers the same job. With `wait=true`: 200 when done.",
      "parameters": [{"$ref": "#/components/parameters/Wait"}],
      "responses": {
        "200": {
          "description": "`wait=true`: done.",
          "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/RescoreResult"},
            "example": {"rescored": 57, "profile_version": 8312094417263}
          }}
        },
        "202": {"$ref": "#/components/responses/JobAccepted"},
        "400": {"$ref": "#/components/responses/BadRequest"},
        "401": {"$ref": "#/components/responses/Unauthorized"},
        "500": {"$ref": "#/components/responses/InternalError"},
        "503": {"$ref": "#/components/responses/Unavailable"}
      }
    }
  },
  "/api/v1/opportunities/{id}": {
    "parameters": [{"$ref": "#/components/parameters/OpportunityId"}],
    "get": {
      "tags": ["opportunities"],
      "operationId": "getOpportunity",
      "summary": "One opportunity",
      "responses": {
        "200": {"description": "The opportunity.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Opportunity"}}}},
        "400": {"$ref": "#/components/responses/BadRequest"},
        "401": {"$ref": "#/components/responses/Unauthorized"},
        "404": {"$ref": "#/components/responses/NotFound"},
        "422": {"$ref": "#/components/responses/UnprocessableContent"},
        "500": {"$ref": "#/components/responses/InternalError"},
        "503": {"$ref": "#/components/responses/Unavailable"}
      }
    },
    "patch": {
      "tags": ["opportunities"],
      "operationId": "updateOpportunity",
      "summary": "Set status, notes or manual tier",
      "description": "Only the fields present change. `tier` (or `manual_tier`) overrides the computed tier; `null` clears the override.",
      "requestBody": {
        "required": true,
        "content": {"application/json": {
          "schema": {"$ref": "#/components/schemas/OpportunityPatch"},
          "example": {"status": "interested", "notes": "Call on Monday", "tier": "HIGH_PRIORITY"}
        }}
      },
      "responses": {
        "200": {"description": "The updated opportunity.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Opportunity"}}}},
        "400": {"$ref": "#/components/responses/BadRequest"},
        "401": {"$ref": "#/components/responses/Unauthorized"},
        "404": {"$ref": "#/components/responses/NotFound"},
        "413": {"$ref": "#/components/responses/PayloadTooLarge"},
        "422": {"$ref": "#/components/responses/UnprocessableContent"},
        "500": {"$ref": "#/components/responses/InternalError"},
        "503": {"$ref": "#/components/responses/Unavailable"}
      }
    },
    "delete": {
      "tags": ["opportunities"],
      "operationId": "deleteOpportunity",
      "summary": "Delete an opportunity",
      "description": "Refused (409) while its drafted reply is still pending, unless `force=true`.",
      "parameters": [
        {"name": "force", "in": "query", "description": "Delete even with a pending reply.", "schema": {"type": "boolean", "default": false}}
      ],
      "responses": {
        "204": {"description": "Deleted."},
        "400": {"$ref": "#/components/responses/BadRequest"},
        "401": {"$ref": "#/components/responses/Unauthorized"},
        "404": {"$ref": "#/components/responses/NotFound"},
        "409": {"$ref": "#/components/responses/Conflict"},
        "422": {"$ref": "#/components/responses/UnprocessableContent"},
        "500": {"$ref": "#/components/responses/InternalError"},
        "503": {"$ref": "#/components/responses/Unavailable"}
      }
    }
  },
  "/api/v1/opportunities/{id}/reprocess": {
    "parameters": [{"$ref": "#/components/parameters/OpportunityId"}],
    "post": {
      "tags": ["opportunities"],
      "operationId": "reprocessOpportunity",
      "summary": "Analyse the message again",
      "description": "Runs the whole pipeline again on the opportunity's message with the current profile. Status, notes and manual tier are kept; a pending reply is redrafted, a decided one is kept.\n\nBy default a high-priority `reprocess_opportunity` job does it: 202 with the job (the same job while one for this opportunity is queued or running); `opportunity.updated` is published when it is done. With `wait=true`: 200 with the re-analysed opportunity.",
      "parameters": [{"$ref": "#/components/parameters/Wait"}],
      "responses": {
        "200": {"description": "`wait=true`: the re-analysed opportunity.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Opportunity"}}}},
        "202": {"$ref": "#/components/responses/JobAccepted"},
        "400": {"$ref": "#/components/responses/BadRequest"},
        "401": {"$ref": "#/components/responses/Unauthorized"},
        "404": {"$ref": "#/components/responses/NotFound"},
        "422": {"$ref": "#/components/responses/UnprocessableContent"},
        "500": {"$ref": "#/components/responses/InternalError"},
        "503": {"$ref": "#/components/responses/Unavailable"}
      }
    }
  }
}})json";

constexpr std::string_view kPathsResponsesProfile = R"json({"paths": {
  "/api/v1/responses": {
    "get": {
      "tags": ["responses"],
      "operationId": "listResponses",
      "summary": "List drafted replies",
      "parameters": [
        {"name": "status", "in": "query", "schema": {"$ref": "#/components/schemas/ResponseStatus"}},
        {"name": "skip", "in": "query", "description": "Items to skip.", "schema": {"type": "integer", "minimum": 0, "default": 0}},
        {"$ref": "#/components/parameters/Limit"}
      ],
      "responses": {
        "200": {"description": "A page of replies.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ResponseList"}}}},
        "400": {"$ref": "#/components/responses/BadRequest"},
        "401": {"$ref": "#/components/responses/Unauthorized"},
        "422": {"$ref": "#/components/responses/UnprocessableContent"},
        "500": {"$ref": "#/components/responses/InternalError"},
        "503": {"$ref": "#/components/responses/Unavailable"}
      }
    }
  },
  "/api/v1/responses/{opportunity_id}": {
    "parameters": [{"$ref": "#/components/parameters/ResponseOpportunityId"}],
    "get": {
      "tags": ["responses"],
      "operationId": "getResponse",
      "summary": "The drafted reply of an opportunity",
      "responses": {
        "200": {"description": "The reply.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Response"}}}},
        "400": {"$ref": "#/components/responses/BadRequest"},
        "401": {"$ref": "#/components/responses/Unauthorized"},
        "404": {"$ref": "#/components/responses/NotFound"},
        "422": {"$ref": "#/components/responses/UnprocessableContent"},
        "500": {"$ref": "#/components/responses/InternalError"},
        "503": {"$ref": "#/components/responses/Unavailable"}
      }
    }
  },
  "/api/v1/responses/{opportunity_id}/approve": {
    "parameters": [{"$ref": "#/components/parameters/ResponseOpportunityId"}],
    "post": {
      "tags": ["responses"],
      "operationId": "approveResponse",
      "summary": "Approve the reply",
      "description": "Approves the draft as it is, or with the text given. 409 when the reply is no longer pending.",
      "requestBody": {
        "required": false,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ResponseDecision"}}}
      },
      "responses": {
        "200": {"description": "The approved reply.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Response"}}}},
        "400": {"$ref": "#/components/responses/BadRequest"},
        "401": {"$ref": "#/components/responses/Unauthorized"},
        "404": {"$ref": "#/components/responses/NotFound"},
        "409": {"$ref": "#/components/responses/Conflict"},
        "413": {"$ref": "#/components/responses/PayloadTooLarge"},
        "422": {"$ref": "#/components/responses/UnprocessableContent"},
        "500": {"$ref": "#/components/responses/InternalError"},
        "503": {"$ref": "#/components/responses/Unavailable"}
      }
    }
  },
  "/api/v1/responses/{opportunity_id}/edit": {
    "parameters": [{"$ref": "#/components/parameters/ResponseOpportunityId"}],
    "post": {
      "tags": ["responses"],
      "operationId": "editResponse",
      "summary": "Edit the reply",
      "description": "Replaces the text; the reply stays pending. The text is required. 409 when the reply is no longer pending.",
      "requestBody": {
        "required": true,
        "content": {"application/json": {
          "schema": {"$ref": "#/components/schemas/ResponseDecision"},
          "example": {"text": "Thanks Lauren! I'd be glad to talk. Is the range negotiable?"}
        }}
      },
      "responses": {
        "200": {"description": "The edited reply.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Response"}}}},
        "400": {"$ref": "#/components/responses/BadRequest"},
        "401": {"$ref": "#/components/responses/Unauthorized"},
        "404": {"$ref": "#/components/responses/NotFound"},
        "409": {"$ref": "#/components/responses/Conflict"},
        "413": {"$ref": "#/components/responses/PayloadTooLarge"},
        "422": {"$ref": "#/components/responses/UnprocessableContent"},
        "500": {"$ref": "#/components/responses/InternalError"},
        "503": {"$ref": "#/components/responses/Unavailable"}
      }
    }
  },
  "/api/v1/responses/{opportunity_id}/decline": {
    "parameters": [{"$ref": "#/components/parameters/ResponseOpportunityId"}],
    "post": {
      "tags": ["responses"],
      "operationId": "declineResponse",
      "summary": "Decline the reply",
      "description": "Nothing will be sent. 409 when the reply is no longer pending.",
      "requestBody": {
        "required": false,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ResponseDecision"}}}
      },
      "responses": {
        "200": {"description": "The declined reply.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Response"}}}},
        "400": {"$ref": "#/components/responses/BadRequest"},
        "401": {"$ref": "#/components/responses/Unauthorized"},
        "404": {"$ref": "#/components/responses/NotFound"},
        "409": {"$ref": "#/components/responses/Conflict"},
        "413": {"$ref": "#/components/responses/PayloadTooLarge"},
        "422": {"$ref": "#/components/responses/UnprocessableContent"},
        "500": {"$ref": "#/components/responses/InternalError"},
        "503": {"$ref": "#/components/responses/Unavailable"}
      }
    }
  },
  "/api/v1/profile": {
    "get": {
      "tags": ["profile"],
      "operationId": "getProfile",
      "summary": "The candidate profile",
      "responses": {
        "200": {
          "description": "The profile in force.",
          "headers": {"ETag": {"$ref": "#/components/headers/ProfileETag"}},
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Profile"}}}
        },
        "400": {"$ref": "#/components/responses/BadRequest"},
        "401": {"$ref": "#/components/responses/Unauthorized"},
        "500": {"$ref": "#/components/responses/InternalError"}
      }
    },
    "put": {
      "tags": ["profile"],
      "operationId": "replaceProfile",
      "summary": "Replace the candidate profile",
      "description": "Replaces the whole profile: absent fields take their defaults, unknown fields are refused (422). lia writes it to its profile file atomically. Existing scores are kept until POST /api/v1/opportunities/rescore.",
      "requestBody": {
        "required": true,
        "content": {"application/json": {
          "schema": {"$ref": "#/components/schemas/ProfileUpdate"},
          "example": {"name": "Ana Souza", "preferred_technologies": ["Go", "PostgreSQL", "Kubernetes"], "years_of_experience": 9, "current_seniority": "Senior", "minimum_salary_usd": 150000, "ideal_salary_usd": 190000, "preferred_remote_policy": "Remote", "job_search_status": {"actively_looking": true, "reject_if": ["crypto", "onsite"]}}
        }}
      },
      "responses": {
        "200": {
          "description": "The new profile, as stored.",
          "headers": {"ETag": {"$ref": "#/components/headers/ProfileETag"}},
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Profile"}}}
        },
        "400": {"$ref": "#/components/responses/BadRequest"},
        "401": {"$ref": "#/components/responses/Unauthorized"},
        "413": {"$ref": "#/components/responses/PayloadTooLarge"},
        "422": {"$ref": "#/components/responses/UnprocessableContent"},
        "500": {"$ref": "#/components/responses/InternalError"},
        "503": {"$ref": "#/components/responses/Unavailable"}
      }
    }
  }
}})json";

constexpr std::string_view kPathsJobs = R"json({"paths": {
  "/api/v1/jobs": {
    "get": {
      "tags": ["jobs"],
      "operationId": "listJobs",
      "summary": "List jobs",
      "description": "Newest first. Job types: `process_message` (analyse a stored message), `reprocess_opportunity`, `rescore_all`, `import_export`, `daily_digest`, `cleanup`. Unlike the other lists, an invalid filter value here is 400.",
      "parameters": [
        {"name": "state", "in": "query", "schema": {"$ref": "#/components/schemas/JobState"}},
        {"name": "type", "in": "query", "description": "Only jobs of this type (exact).", "schema": {"type": "string"}},
        {"$ref": "#/components/parameters/Limit"},
        {"name": "skip", "in": "query", "description": "Items to skip.", "schema": {"type": "integer", "minimum": 0, "default": 0}}
      ],
      "responses": {
        "200": {"description": "A page of jobs.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/JobPage"}}}},
        "400": {"$ref": "#/components/responses/BadRequest"},
        "401": {"$ref": "#/components/responses/Unauthorized"},
        "500": {"$ref": "#/components/responses/InternalError"},
        "503": {"$ref": "#/components/responses/Unavailable"}
      }
    }
  },
  "/api/v1/jobs/{id}": {
    "parameters": [{"$ref": "#/components/parameters/JobId"}],
    "get": {
      "tags": ["jobs"],
      "operationId": "getJob",
      "summary": "One job",
      "description": "Where a 202 `Location` points. Poll it until `state` is final (`succeeded`, `failed`, `dead` or `cancelled`), or watch GET /api/v1/events. Finished jobs are kept 14 days (failed and dead ones 30) by default.",
      "responses": {
        "200": {"description": "The job.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}}},
        "400": {"$ref": "#/components/responses/BadRequest"},
        "401": {"$ref": "#/components/responses/Unauthorized"},
        "404": {"$ref": "#/components/responses/NotFound"},
        "422": {"$ref": "#/components/responses/UnprocessableContent"},
        "500": {"$ref": "#/components/responses/InternalError"},
        "503": {"$ref": "#/components/responses/Unavailable"}
      }
    }
  },
  "/api/v1/jobs/{id}/retry": {
    "parameters": [{"$ref": "#/components/parameters/JobId"}],
    "post": {
      "tags": ["jobs"],
      "operationId": "retryJob",
      "summary": "Run a job again",
      "description": "Queues a `failed`, `dead` or `cancelled` job again, now, with its attempts reset to 0. 409 for a job in another state, or when another queued or running job holds its `idempotency_key` (that work is queued already).",
      "responses": {
        "200": {"description": "The job, queued again.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}}},
        "400": {"$ref": "#/components/responses/BadRequest"},
        "401": {"$ref": "#/components/responses/Unauthorized"},
        "404": {"$ref": "#/components/responses/NotFound"},
        "409": {"$ref": "#/components/responses/Conflict"},
        "422": {"$ref": "#/components/responses/UnprocessableContent"},
        "500": {"$ref": "#/components/responses/InternalError"},
        "503": {"$ref": "#/components/responses/Unavailable"}
      }
    }
  },
  "/api/v1/jobs/{id}/cancel": {
    "parameters": [{"$ref": "#/components/parameters/JobId"}],
    "post": {
      "tags": ["jobs"],
      "operationId": "cancelJob",
      "summary": "Cancel a job",
      "description": "Cancels a `queued` or `running` job; a running job's worker finds its lease gone and drops its result. Cancelling a cancelled job changes nothing. 409 for `succeeded`, `failed` and `dead` jobs.",
      "responses": {
        "200": {"description": "The cancelled job.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}}},
        "400": {"$ref": "#/components/responses/BadRequest"},
        "401": {"$ref": "#/components/responses/Unauthorized"},
        "404": {"$ref": "#/components/responses/NotFound"},
        "409": {"$ref": "#/components/responses/Conflict"},
        "422": {"$ref": "#/components/responses/UnprocessableContent"},
        "500": {"$ref": "#/components/responses/InternalError"},
        "503": {"$ref": "#/components/responses/Unavailable"}
      }
    }
  },
  "/api/v1/schedules": {
    "get": {
      "tags": ["jobs"],
      "operationId": "listSchedules",
      "summary": "List schedules",
      "description": "The recurring jobs: `daily_digest` at 09:00 UTC and `cleanup` (retention) at 02:00 UTC unless the configuration's `[schedules]` moves or disables them. Each tick queues one job, however many lia processes run.",
      "responses": {
        "200": {
          "description": "Every schedule.",
          "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/ScheduleList"},
            "example": {"items": [{"name": "cleanup", "cron": "0 2 * * *", "job_type": "cleanup", "payload": {}, "priority": "low", "enabled": true, "last_run_at": "2026-11-20T02:00:00.000Z", "next_run_at": "2026-11-21T02:00:00.000Z"}, {"name": "daily_digest", "cron": "0 9 * * *", "job_type": "daily_digest", "payload": {}, "priority": "normal", "enabled": true, "last_run_at": null, "next_run_at": "2026-11-20T09:00:00.000Z"}]}
          }}
        },
        "400": {"$ref": "#/components/responses/BadRequest"},
        "401": {"$ref": "#/components/responses/Unauthorized"},
        "500": {"$ref": "#/components/responses/InternalError"},
        "503": {"$ref": "#/components/responses/Unavailable"}
      }
    }
  },
  "/api/v1/digests/latest": {
    "get": {
      "tags": ["digests"],
      "operationId": "getLatestDigest",
      "summary": "The latest daily digest",
      "description": "Built by the `daily_digest` job over the 24 hours before it ran: new opportunities by tier, the five best, and the replies awaiting you (up to 50). Reading it never builds one.",
      "responses": {
        "200": {
          "description": "The newest digest.",
          "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Digest"},
            "example": {"day": "2026-11-20", "from": "2026-11-19T09:00:00.000Z", "to": "2026-11-20T09:00:00.000Z", "new_opportunities": {"total": 4, "by_tier": {"HIGH_PRIORITY": 1, "INTERESTING": 2, "LOW": 1, "NOT_INTERESTED": 0}}, "top": [{"opportunity_id": 42, "company": "Acme", "role": "Senior Go Engineer", "recruiter_name": "Lauren Hayes", "tier": "HIGH_PRIORITY", "score": 87}], "pending_replies": {"count": 1, "complete": true, "items": [{"opportunity_id": 42, "company": "Acme", "role": "Senior Go Engineer", "recruiter_name": "Lauren Hayes", "tier": "HIGH_PRIORITY", "score": 87}]}, "created_at": "2026-11-20T09:00:01.204Z"}
          }}
        },
        "400": {"$ref": "#/components/responses/BadRequest"},
        "401": {"$ref": "#/components/responses/Unauthorized"},
        "404": {
          "description": "No digest yet: the `daily_digest` schedule builds the first one.",
          "content": {"application/problem+json": {
            "schema": {"$ref": "#/components/schemas/Problem"},
            "example": {"type": "about:blank", "title": "Not Found", "status": 404, "detail": "No digest yet: the daily_digest schedule builds the first one."}
          }}
        },
        "500": {"$ref": "#/components/responses/InternalError"},
        "503": {"$ref": "#/components/responses/Unavailable"}
      }
    }
  }
}})json";

constexpr std::string_view kPathsEvents = R"json({"paths": {
  "/api/v1/events": {
    "get": {
      "tags": ["events"],
      "operationId": "streamEvents",
      "summary": "Live events (Server-Sent Events)",
      "description": "What happens in lia as it happens, as a `text/event-stream` for EventSource or `curl -N`. The stream opens with `retry: 2000` (how long EventSource waits before reconnecting, in ms), then sends each event as an `id:`, an `event:` and a `data:` line and a blank line:\n\n```\nid: 41\nevent: opportunity.created\ndata: {\"opportunity_id\":42,\"message_id\":311,\"company\":\"Acme\",\"role\":\"Senior Go Engineer\",\"tier\":\"HIGH_PRIORITY\",\"score\":87}\n```\n\n`data` is a JSON object:\n\n| event | data |\n|---|---|\n| `message.received` | `message_id`, `job_id`, `sender` (a message stored with its analysis job) |\n| `opportunity.created`, `opportunity.updated` | `opportunity_id`, `message_id`, `company`, `role`, `tier`, `score` |\n| `job.failed`, `job.dead` | `job_id`, `type`, `attempts`, `state`, `error`, `will_retry` (an attempt failed; `job.dead` when it was the last) |\n| `import.progress` | `upload_id` (the import's id), `messages`, `done`, `queued`, `duplicates` |\n\nAfter 15 s without an event a `: heartbeat` comment is sent, so proxies keep the connection open and clients notice a dead one.\n\n**Resuming.** An event's `id` is its place in lia's event log, which keeps events 7 days by default. A client that reconnects with the last id it saw (`Last-Event-ID`, which EventSource sends by itself, or `last_event_id`) first gets every event after it, across server restarts; the header wins over the parameter. Without either, or with an id beyond the newest event (one from a replaced database), the stream starts with the next event published. When lia stops, the stream ends; reconnect to resume.\n\nEach open stream holds one of the server's worker threads: at most 8 are open at once, and one more is 503 with `Retry-After`. Unknown query parameters are 400, as everywhere.",
      "parameters": [
        {"name": "Last-Event-ID", "in": "header", "description": "The last event id seen: the stream starts after it. EventSource sends it on reconnecting.", "schema": {"type": "string", "pattern": "^[0-9]+$"}, "example": "41"},
        {"name": "last_event_id", "in": "query", "description": "The same as the `Last-Event-ID` header, for clients that cannot set headers; the header wins. Empty: absent.", "schema": {"type": "integer", "format": "int64", "minimum": 0}},
        {"name": "types", "in": "query", "style": "form", "explode": true, "description": "Only events of these types: `message.received`, `opportunity.created`, `opportunity.updated`, `job.failed`, `job.dead`, `import.progress`. Repeat the parameter or separate types with commas: `types=job.failed,job.dead`. Absent: every type.", "schema": {"type": "array", "items": {"type": "string"}}}
      ],
      "responses": {
        "200": {
          "description": "The stream, until the client or lia closes it. Not cached (`Cache-Control: no-cache`) nor buffered by nginx (`X-Accel-Buffering: no`).",
          "content": {"text/event-stream": {
            "schema": {"type": "string", "description": "Server-Sent Events (WHATWG HTML, section 9.2)."},
            "example": "retry: 2000\n\nid: 41\nevent: message.received\ndata: {\"job_id\":958,\"message_id\":311,\"sender\":\"Lauren Hayes\"}\n\nid: 42\nevent: opportunity.created\ndata: {\"company\":\"Acme\",\"message_id\":311,\"opportunity_id\":42,\"role\":\"Senior Go Engineer\",\"score\":87,\"tier\":\"HIGH_PRIORITY\"}\n\n: heartbeat\n\n"
          }}
        },
        "400": {
          "description": "The event id to resume after is not a non-negative integer; `errors` names `Last-Event-ID` or `last_event_id`.",
          "content": {"application/problem+json": {
            "schema": {"$ref": "#/components/schemas/Problem"},
            "example": {"type": "about:blank", "title": "Bad Request", "status": 400, "detail": "The event id to resume after is not valid.", "errors": [{"field": "Last-Event-ID", "message": "must be an event id: a non-negative integer"}]}
          }}
        },
        "401": {"$ref": "#/components/responses/Unauthorized"},
        "500": {"$ref": "#/components/responses/InternalError"},
        "503": {
          "description": "Too many event streams are open (with `Retry-After`), or the event log is unreachable.",
          "headers": {"Retry-After": {"$ref": "#/components/headers/RetryAfter"}},
          "content": {"application/problem+json": {
            "schema": {"$ref": "#/components/schemas/Problem"},
            "example": {"type": "about:blank", "title": "Service Unavailable", "status": 503, "detail": "Too many event streams are open."}
          }}
        }
      }
    }
  }
}})json";

constexpr std::string_view kSchemasJobs = R"json({"components": {"schemas": {
  "Job": {
    "type": "object",
    "description": "A durable background job. Delivered at least once: a job whose worker dies is leased again when its lease expires; a failed attempt that may succeed later is retried with exponential backoff until `max_attempts`.",
    "required": ["id", "type", "payload", "priority", "state", "attempts", "max_attempts", "run_at", "lease_owner", "lease_expires_at", "last_error", "idempotency_key", "created_at", "updated_at"],
    "properties": {
      "id": {"type": "integer", "format": "int64"},
      "type": {"type": "string", "description": "The task that runs it: `process_message`, `reprocess_opportunity`, `rescore_all`, `import_export`, `daily_digest`, `cleanup`."},
      "payload": {"description": "The task's input, as JSON: an object for every job lia queues (`{\"message_id\": 311}`, `{\"opportunity_id\": 42}`...)."},
      "priority": {"$ref": "#/components/schemas/JobPriority"},
      "state": {"$ref": "#/components/schemas/JobState"},
      "attempts": {"type": "integer", "minimum": 0, "description": "Attempts so far, the running one included; reset to 0 by a retry."},
      "max_attempts": {"type": "integer", "minimum": 1, "description": "Attempts before the job is dead."},
      "run_at": {"type": "string", "format": "date-time", "description": "Not started before this instant (a retry's backoff)."},
      "lease_owner": {"type": ["string", "null"], "description": "The worker running it; null unless running."},
      "lease_expires_at": {"type": ["string", "null"], "format": "date-time", "description": "When another worker may take it over; null unless running."},
      "last_error": {"type": ["string", "null"], "description": "Why the last failed attempt failed; null if none did."},
      "idempotency_key": {"type": ["string", "null"], "description": "At most one queued or running job holds a key: queuing the same work again returns that job."},
      "created_at": {"type": "string", "format": "date-time"},
      "updated_at": {"type": "string", "format": "date-time"}
    }
  },
  "JobPage": {
    "type": "object",
    "required": ["items", "skip", "limit", "has_more"],
    "properties": {
      "items": {"type": "array", "items": {"$ref": "#/components/schemas/Job"}},
      "skip": {"type": "integer", "minimum": 0},
      "limit": {"type": "integer", "minimum": 1, "maximum": 500},
      "has_more": {"type": "boolean", "description": "The page is full: there may be more after it."}
    }
  },
  "JobPriority": {"type": "string", "description": "Workers take `high` first.", "enum": ["high", "normal", "low"]},
  "JobState": {"type": "string", "description": "`queued`: waiting for `run_at` and a worker; `running`: leased; `succeeded`; `failed`: failed with an error not worth retrying; `dead`: failed on its last allowed attempt; `cancelled`: by a person.", "enum": ["queued", "running", "succeeded", "failed", "dead", "cancelled"]},
  "Schedule": {
    "type": "object",
    "required": ["name", "cron", "job_type", "payload", "priority", "enabled", "last_run_at", "next_run_at"],
    "properties": {
      "name": {"type": "string"},
      "cron": {"type": "string", "description": "Five cron fields, in UTC."},
      "job_type": {"type": "string", "description": "The type of the jobs it queues."},
      "payload": {"description": "The payload of the jobs it queues (JSON)."},
      "priority": {"$ref": "#/components/schemas/JobPriority"},
      "enabled": {"type": "boolean", "description": "A disabled schedule is kept but never fires."},
      "last_run_at": {"type": ["string", "null"], "format": "date-time", "description": "The tick last fired (its scheduled instant); null before the first."},
      "next_run_at": {"type": ["string", "null"], "format": "date-time", "description": "The next tick; null while disabled."}
    }
  },
  "ScheduleList": {
    "type": "object",
    "required": ["items"],
    "properties": {
      "items": {"type": "array", "items": {"$ref": "#/components/schemas/Schedule"}}
    }
  },
  "Digest": {
    "type": "object",
    "description": "The daily digest, over `from` to `to`.",
    "required": ["day", "from", "to", "new_opportunities", "top", "pending_replies", "created_at"],
    "properties": {
      "day": {"type": "string", "format": "date", "description": "The UTC day it was built; building again that day replaces it."},
      "from": {"type": "string", "format": "date-time"},
      "to": {"type": "string", "format": "date-time"},
      "new_opportunities": {
        "type": "object",
        "required": ["total", "by_tier"],
        "properties": {
          "total": {"type": "integer", "minimum": 0},
          "by_tier": {"type": "object", "description": "Count per effective tier.", "propertyNames": {"$ref": "#/components/schemas/Tier"}, "additionalProperties": {"type": "integer", "minimum": 0}}
        }
      },
      "top": {"type": "array", "description": "The best new opportunities, highest score first.", "maxItems": 5, "items": {"$ref": "#/components/schemas/DigestOpportunity"}},
      "pending_replies": {
        "type": "object",
        "description": "Opportunities whose drafted reply awaits you.",
        "required": ["count", "complete", "items"],
        "properties": {
          "count": {"type": "integer", "minimum": 0, "description": "Items listed."},
          "complete": {"type": "boolean", "description": "False when there were more pending replies than the 50 listed."},
          "items": {"type": "array", "maxItems": 50, "items": {"$ref": "#/components/schemas/DigestOpportunity"}}
        }
      },
      "created_at": {"type": "string", "format": "date-time", "description": "When it was built."}
    }
  },
  "DigestOpportunity": {
    "type": "object",
    "required": ["opportunity_id", "company", "role", "recruiter_name", "tier", "score"],
    "properties": {
      "opportunity_id": {"type": "integer", "format": "int64"},
      "company": {"type": ["string", "null"]},
      "role": {"type": ["string", "null"]},
      "recruiter_name": {"type": "string"},
      "tier": {"$ref": "#/components/schemas/Tier"},
      "score": {"type": "integer", "minimum": 0, "maximum": 100}
    }
  }
}}})json";

constexpr std::string_view kComponents = R"json({"components": {
  "securitySchemes": {
    "bearerAuth": {
      "type": "http",
      "scheme": "bearer",
      "description": "An API token (`LIA_API_TOKEN`, or `lia token create NAME`). Required for paths under /api when lia listens beyond loopback."
    }
  },
  "parameters": {
    "OpportunityId": {"name": "id", "in": "path", "required": true, "description": "The opportunity's id; not a positive integer is 422.", "schema": {"type": "integer", "format": "int64", "minimum": 1}},
    "ResponseOpportunityId": {"name": "opportunity_id", "in": "path", "required": true, "description": "The id of the opportunity the reply answers; not a positive integer is 422.", "schema": {"type": "integer", "format": "int64", "minimum": 1}},
    "Skip": {"name": "skip", "in": "query", "description": "Items to skip.", "schema": {"type": "integer", "minimum": 0, "maximum": 1000000000, "default": 0}},
    "Limit": {"name": "limit", "in": "query", "description": "Items per page.", "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 50}},
    "Wait": {"name": "wait", "in": "query", "description": "`true` (or `1`, or empty): do the work before answering. `false` (or `0`), the default: answer 202 at once with the job that will do it. Any other value is 400.", "schema": {"type": "boolean", "default": false}},
    "JobId": {"name": "id", "in": "path", "required": true, "description": "The job's id; not a positive integer is 422.", "schema": {"type": "integer", "format": "int64", "minimum": 1}},
    "ImportId": {"name": "id", "in": "path", "required": true, "description": "The import's id (`import_id` of its 202); not a positive integer is 422.", "schema": {"type": "integer", "format": "int64", "minimum": 1}}
  },
  "headers": {
    "OpportunityLocation": {"description": "/api/v1/opportunities/{id} of the opportunity (single-message form only).", "schema": {"type": "string", "format": "uri-reference"}},
    "ProfileETag": {"description": "The profile's version, quoted: it changes whenever the profile's content does.", "schema": {"type": "string"}},
    "JobLocation": {"description": "/api/v1/jobs/{id} of the job doing the work (for a batch of messages, each item names its job instead).", "schema": {"type": "string", "format": "uri-reference"}},
    "RetryAfter": {"description": "Seconds to wait before trying again.", "schema": {"type": "integer", "minimum": 0}}
  },
  "responses": {
    "JobAccepted": {
      "description": "Queued: the job that will do the work. Follow `Location`, or watch GET /api/v1/events.",
      "headers": {"Location": {"$ref": "#/components/headers/JobLocation"}},
      "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/Job"},
        "example": {"id": 961, "type": "reprocess_opportunity", "payload": {"opportunity_id": 42}, "priority": "high", "state": "queued", "attempts": 0, "max_attempts": 5, "run_at": "2026-11-20T09:30:00.000Z", "lease_owner": null, "lease_expires_at": null, "last_error": null, "idempotency_key": "reprocess_opportunity:42", "created_at": "2026-11-20T09:30:00.000Z", "updated_at": "2026-11-20T09:30:00.000Z"}
      }}
    },
    "BadRequest": {
      "description": "Unknown query parameter, or a malformed request.",
      "content": {"application/problem+json": {
        "schema": {"$ref": "#/components/schemas/Problem"},
        "example": {"type": "about:blank", "title": "Bad Request", "status": 400, "detail": "The request has invalid fields.", "instance": "/api/v1/opportunities", "errors": [{"field": "teir", "message": "unknown query parameter"}]}
      }}
    },
    "Unauthorized": {
      "description": "A bearer token is required and was missing or not valid.",
      "headers": {"WWW-Authenticate": {"description": "`Bearer realm=\"lia\"`, with `error=\"invalid_token\"` for a token that is not valid.", "schema": {"type": "string"}}},
      "content": {"application/problem+json": {
        "schema": {"$ref": "#/components/schemas/Problem"},
        "example": {"type": "about:blank", "title": "Unauthorized", "status": 401, "detail": "A bearer token is required.", "instance": "/api/v1/opportunities"}
      }}
    },
    "NotFound": {
      "description": "No such resource.",
      "content": {"application/problem+json": {
        "schema": {"$ref": "#/components/schemas/Problem"},
        "example": {"type": "about:blank", "title": "Not Found", "status": 404, "detail": "opportunity 42 not found"}
      }}
    },
    "Conflict": {
      "description": "The resource's state forbids this (a pending reply, a reply already decided, a job in the wrong state).",
      "content": {"application/problem+json": {
        "schema": {"$ref": "#/components/schemas/Problem"},
        "example": {"type": "about:blank", "title": "Conflict", "status": 409, "detail": "opportunity 42 has a pending reply; pass force=true to delete it anyway"}
      }}
    },
    "PayloadTooLarge": {
      "description": "The body is over the limit (1 MiB; 256 MiB for imports).",
      "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    },
    "UnprocessableContent": {
      "description": "Invalid field values or body; `errors` names each field.",
      "content": {"application/problem+json": {
        "schema": {"$ref": "#/components/schemas/Problem"},
        "example": {"type": "about:blank", "title": "Unprocessable Content", "status": 422, "detail": "The request has invalid fields.", "errors": [{"field": "limit", "message": "expected an integer from 1 to 500"}]}
      }}
    },
    "InternalError": {
      "description": "An unexpected failure; the detail reveals nothing internal. Quote `X-Request-Id` when reporting it.",
      "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    },
    "Unavailable": {
      "description": "The store is busy or unreachable; retry.",
      "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    },
    "DocsUnavailable": {
      "description": "This lia was built without the Swagger UI files; /openapi.json still works.",
      "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    }
  }
}})json";

constexpr std::string_view kSchemasApi = R"json({"components": {"schemas": {
  "Problem": {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "required": ["title", "status"],
    "properties": {
      "type": {"type": "string", "format": "uri-reference", "description": "`about:blank` unless a more specific type applies."},
      "title": {"type": "string", "description": "The status's reason phrase."},
      "status": {"type": "integer", "minimum": 400, "maximum": 599},
      "detail": {"type": "string", "description": "What went wrong, for a person."},
      "instance": {"type": "string", "format": "uri-reference", "description": "The request's path."},
      "errors": {"type": "array", "description": "Validation failures, one per field.", "items": {"$ref": "#/components/schemas/FieldError"}}
    }
  },
  "FieldError": {
    "type": "object",
    "required": ["field", "message"],
    "properties": {
      "field": {"type": "string", "description": "The body field path (`messages[2]`, `job_search_status.reject_if[0]`) or query parameter."},
      "message": {"type": "string"}
    }
  },
  "Health": {
    "type": "object",
    "required": ["status", "version"],
    "properties": {
      "status": {"type": "string", "const": "ok"},
      "version": {"type": "string", "description": "lia's version."}
    }
  },
  "Readiness": {
    "type": "object",
    "required": ["status", "checks"],
    "properties": {
      "status": {"type": "string", "enum": ["ready", "unavailable"]},
      "checks": {
        "type": "object",
        "required": ["store", "cache"],
        "properties": {
          "store": {"type": "string", "description": "`ok`, or why the store failed."},
          "cache": {"type": "string", "enum": ["ok", "degraded"]}
        }
      }
    }
  },
  "MessageBatch": {
    "type": "object",
    "required": ["messages"],
    "properties": {
      "messages": {"type": "array", "maxItems": 1000, "items": {"$ref": "#/components/schemas/Message"}}
    }
  },
  "IngestResult": {
    "type": "object",
    "required": ["message_id", "duplicate", "opportunity_id", "opportunity"],
    "properties": {
      "message_id": {"type": "integer", "format": "int64"},
      "duplicate": {"type": "boolean", "description": "Already stored: nothing was written."},
      "opportunity_id": {"type": ["integer", "null"], "format": "int64", "description": "The message's opportunity, when it has one."},
      "opportunity": {"description": "The opportunity, when the message was analysed by this request (not for duplicates).", "anyOf": [{"$ref": "#/components/schemas/Opportunity"}, {"type": "null"}]}
    }
  },
  "IngestBatchResult": {
    "type": "object",
    "required": ["items", "created", "duplicates"],
    "properties": {
      "items": {"type": "array", "description": "One per message, in order.", "items": {"$ref": "#/components/schemas/IngestResult"}},
      "created": {"type": "integer", "minimum": 0},
      "duplicates": {"type": "integer", "minimum": 0}
    }
  },
  "QueuedMessage": {
    "type": "object",
    "description": "A message stored without waiting for its analysis.",
    "required": ["message_id", "duplicate", "opportunity_id", "job_id"],
    "properties": {
      "message_id": {"type": "integer", "format": "int64"},
      "duplicate": {"type": "boolean", "description": "Already stored: nothing was written."},
      "opportunity_id": {"type": ["integer", "null"], "format": "int64", "description": "The message's opportunity when it has one already (a duplicate analysed before); null for a message just queued."},
      "job_id": {"type": ["integer", "null"], "format": "int64", "description": "The `process_message` job that analyses the message; null when none is needed."}
    }
  },
  "QueuedMessageBatch": {
    "type": "object",
    "required": ["items", "accepted", "duplicates", "jobs"],
    "properties": {
      "items": {"type": "array", "description": "One per message, in order.", "items": {"$ref": "#/components/schemas/QueuedMessage"}},
      "accepted": {"type": "integer", "minimum": 0, "description": "New messages stored."},
      "duplicates": {"type": "integer", "minimum": 0},
      "jobs": {"type": "integer", "minimum": 0, "description": "Items with a job."}
    }
  },
  "QueuedImport": {
    "type": "object",
    "required": ["import_id", "job_id"],
    "properties": {
      "import_id": {"type": "integer", "format": "int64", "description": "GET /api/v1/imports/{import_id} follows it."},
      "job_id": {"type": "integer", "format": "int64", "description": "The `import_export` job."}
    }
  },
  "Import": {
    "type": "object",
    "description": "An export posted to /api/v1/imports, and what became of it.",
    "required": ["id", "kind", "size", "state", "summary", "created_at", "updated_at"],
    "properties": {
      "id": {"type": "integer", "format": "int64"},
      "kind": {"type": "string", "description": "What was posted: `linkedin-export`."},
      "size": {"type": "integer", "format": "int64", "minimum": 0, "description": "Bytes as received."},
      "state": {"type": "string", "enum": ["queued", "done", "failed"], "description": "`queued` until the job has read the export; then `done`, or `failed` when the export cannot be read."},
      "summary": {
        "description": "Empty while queued; the counts when done; `{\"error\"}` when failed.",
        "anyOf": [
          {"$ref": "#/components/schemas/ImportSummary"},
          {"$ref": "#/components/schemas/ImportFailure"},
          {"type": "object", "maxProperties": 0}
        ]
      },
      "created_at": {"type": "string", "format": "date-time"},
      "updated_at": {"type": "string", "format": "date-time"}
    }
  },
  "ImportFailure": {
    "type": "object",
    "required": ["error"],
    "properties": {
      "error": {"type": "string", "description": "Why the export could not be read."}
    }
  },
  "ImportSummary": {
    "type": "object",
    "required": ["rows", "conversations", "analysed", "queued", "duplicates", "skipped_drafts", "skipped_sponsored", "without_inbound", "errors"],
    "properties": {
      "rows": {"type": "integer", "minimum": 0, "description": "CSV rows read."},
      "conversations": {"type": "integer", "minimum": 0},
      "analysed": {"type": "integer", "minimum": 0, "description": "New messages analysed before the answer (`wait=true`); 0 for a queued import."},
      "queued": {"type": "integer", "minimum": 0, "description": "New messages queued for analysis, one `process_message` job each (a queued import); 0 with `wait=true`."},
      "duplicates": {"type": "integer", "minimum": 0, "description": "Messages imported before."},
      "skipped_drafts": {"type": "integer", "minimum": 0},
      "skipped_sponsored": {"type": "integer", "minimum": 0},
      "without_inbound": {"type": "integer", "minimum": 0, "description": "Conversations with no message from the recruiter."},
      "errors": {"type": "array", "description": "One per malformed row: `line 17: ...`.", "items": {"type": "string"}}
    }
  },
  "NewOpportunity": {
    "type": "object",
    "required": ["raw_message"],
    "additionalProperties": false,
    "properties": {
      "recruiter_name": {"type": "string", "default": ""},
      "raw_message": {"type": "string", "minLength": 1, "description": "The message; not blank."}
    }
  },
  "Opportunity": {
    "type": "object",
    "description": "The original system's flat fields, plus `analysis` with everything the pipeline concluded (in single-opportunity answers; list items leave it out to keep pages small).",
    "required": ["id", "message_id", "conversation_id", "recruiter_name", "raw_message", "company", "role", "seniority", "tech_stack", "salary_min", "salary_max", "salary_currency", "salary_period", "salary_usd_min", "salary_usd_max", "remote_policy", "location", "job_type", "work_week", "agency", "conversation_state", "question_type", "language", "tech_stack_score", "salary_score", "seniority_score", "company_score", "penalty", "total_score", "tier", "computed_tier", "manual_tier", "ai_response", "status", "processing_status", "notes", "profile_version", "created_at", "updated_at"],
    "properties": {
      "id": {"type": "integer", "format": "int64"},
      "message_id": {"type": "integer", "format": "int64"},
      "conversation_id": {"type": "string"},
      "recruiter_name": {"type": "string"},
      "raw_message": {"type": "string"},
      "company": {"type": ["string", "null"], "description": "The hiring company, never the agency."},
      "role": {"type": ["string", "null"]},
      "seniority": {"$ref": "#/components/schemas/Seniority"},
      "tech_stack": {"type": "array", "description": "Canonical names, first-seen order.", "items": {"type": "string"}},
      "salary_min": {"type": ["integer", "null"], "format": "int64", "description": "As offered, in `salary_currency` per `salary_period`."},
      "salary_max": {"type": ["integer", "null"], "format": "int64"},
      "salary_currency": {"type": ["string", "null"], "description": "ISO 4217."},
      "salary_period": {"anyOf": [{"$ref": "#/components/schemas/SalaryPeriod"}, {"type": "null"}]},
      "salary_usd_min": {"type": ["integer", "null"], "format": "int64", "description": "Yearly USD equivalent; null when the currency has no known rate."},
      "salary_usd_max": {"type": ["integer", "null"], "format": "int64"},
      "remote_policy": {"$ref": "#/components/schemas/RemotePolicy"},
      "location": {"type": ["string", "null"]},
      "job_type": {"$ref": "#/components/schemas/JobType"},
      "work_week": {"$ref": "#/components/schemas/WorkWeek"},
      "agency": {"type": "boolean", "description": "The sender recruits on behalf of a client."},
      "conversation_state": {"$ref": "#/components/schemas/ConversationState"},
      "question_type": {"description": "For FOLLOW_UP only.", "anyOf": [{"$ref": "#/components/schemas/QuestionType"}, {"type": "null"}]},
      "language": {"$ref": "#/components/schemas/Language"},
      "tech_stack_score": {"type": "integer", "minimum": 0, "maximum": 40},
      "salary_score": {"type": "integer", "minimum": 0, "maximum": 30},
      "seniority_score": {"type": "integer", "minimum": 0, "maximum": 20},
      "company_score": {"type": "integer", "minimum": 0, "maximum": 10},
      "penalty": {"type": "integer", "minimum": 0, "description": "Sum of the failed filters' penalties."},
      "total_score": {"type": "integer", "minimum": 0, "maximum": 100},
      "tier": {"$ref": "#/components/schemas/Tier"},
      "computed_tier": {"$ref": "#/components/schemas/Tier"},
      "manual_tier": {"description": "Set by you; wins over `computed_tier` in `tier`.", "anyOf": [{"$ref": "#/components/schemas/Tier"}, {"type": "null"}]},
      "ai_response": {"type": ["string", "null"], "description": "The drafted reply; null when none is drafted."},
      "status": {"$ref": "#/components/schemas/OpportunityStatus"},
      "processing_status": {"$ref": "#/components/schemas/ProcessingStatus"},
      "notes": {"type": "string"},
      "profile_version": {"type": "integer", "format": "int64", "description": "Version of the profile the scores were made with."},
      "created_at": {"type": "string", "format": "date-time"},
      "updated_at": {"type": "string", "format": "date-time"},
      "analysis": {"$ref": "#/components/schemas/Analysis", "description": "Present when one opportunity is returned; absent from list items."}
    }
  },
  "OpportunityPage": {
    "type": "object",
    "required": ["items", "total", "skip", "limit", "has_more", "next_cursor"],
    "properties": {
      "items": {"type": "array", "items": {"$ref": "#/components/schemas/Opportunity"}},
      "total": {"type": "integer", "minimum": 0, "description": "Matching the filters, ignoring skip and limit."},
      "skip": {"type": "integer", "minimum": 0},
      "limit": {"type": "integer", "minimum": 1, "maximum": 500},
      "has_more": {"type": "boolean"},
      "next_cursor": {"type": ["string", "null"], "description": "Pass as `cursor` for the next page; null on the last."}
    }
  },
  "OpportunityPatch": {
    "type": "object",
    "additionalProperties": false,
    "properties": {
      "status": {"$ref": "#/components/schemas/OpportunityStatus"},
      "notes": {"type": "string", "maxLength": 10000, "description": "At most 10,000 bytes."},
      "tier": {"description": "Manual tier; null clears it.", "anyOf": [{"$ref": "#/components/schemas/Tier"}, {"type": "null"}]},
      "manual_tier": {"description": "The same as `tier`.", "anyOf": [{"$ref": "#/components/schemas/Tier"}, {"type": "null"}]}
    }
  },
  "Stats": {
    "type": "object",
    "required": ["total_count", "by_tier", "by_status", "by_processing_status", "by_conversation_state", "average_score", "highest_score", "lowest_score"],
    "properties": {
      "total_count": {"type": "integer", "minimum": 0},
      "by_tier": {"type": "object", "description": "Count per effective tier.", "propertyNames": {"$ref": "#/components/schemas/Tier"}, "additionalProperties": {"type": "integer", "minimum": 0}},
      "by_status": {"type": "object", "propertyNames": {"$ref": "#/components/schemas/OpportunityStatus"}, "additionalProperties": {"type": "integer", "minimum": 0}},
      "by_processing_status": {"type": "object", "propertyNames": {"$ref": "#/components/schemas/ProcessingStatus"}, "additionalProperties": {"type": "integer", "minimum": 0}},
      "by_conversation_state": {"type": "object", "propertyNames": {"$ref": "#/components/schemas/ConversationState"}, "additionalProperties": {"type": "integer", "minimum": 0}},
      "average_score": {"type": "number", "minimum": 0, "maximum": 100},
      "highest_score": {"type": "integer", "minimum": 0, "maximum": 100},
      "lowest_score": {"type": "integer", "minimum": 0, "maximum": 100}
    },
    "example": {"total_count": 57, "by_tier": {"HIGH_PRIORITY": 6, "INTERESTING": 14, "LOW": 21, "NOT_INTERESTED": 16}, "by_status": {"new": 40, "reviewed": 17}, "by_processing_status": {"completed": 57}, "by_conversation_state": {"NEW_OPPORTUNITY": 45, "FOLLOW_UP": 9, "COURTESY_CLOSE": 3}, "average_score": 51.4, "highest_score": 93, "lowest_score": 0}
  },
  "RescoreResult": {
    "type": "object",
    "required": ["rescored", "profile_version"],
    "properties": {
      "rescored": {"type": "integer", "minimum": 0},
      "profile_version": {"type": "integer", "format": "int64"}
    }
  },
  "Response": {
    "type": "object",
    "description": "The reply drafted for an opportunity.",
    "required": ["id", "opportunity_id", "status", "kind", "language", "ai_response", "final_response", "created_at", "updated_at"],
    "properties": {
      "id": {"type": "integer", "format": "int64"},
      "opportunity_id": {"type": "integer", "format": "int64"},
      "status": {"$ref": "#/components/schemas/ResponseStatus"},
      "kind": {"$ref": "#/components/schemas/ReplyKind"},
      "language": {"$ref": "#/components/schemas/Language"},
      "ai_response": {"type": "string", "description": "What lia drafted."},
      "final_response": {"type": ["string", "null"], "description": "What you approved or edited; null until then."},
      "created_at": {"type": "string", "format": "date-time"},
      "updated_at": {"type": "string", "format": "date-time"}
    }
  },
  "ResponseList": {
    "type": "object",
    "required": ["items", "skip", "limit"],
    "properties": {
      "items": {"type": "array", "items": {"$ref": "#/components/schemas/Response"}},
      "skip": {"type": "integer", "minimum": 0},
      "limit": {"type": "integer", "minimum": 1, "maximum": 500}
    }
  },
  "ResponseDecision": {
    "type": "object",
    "description": "The reply's text, under one of three names (`response_text` and `edited_response` are the original system's). Optional to approve or decline, required to edit.",
    "additionalProperties": false,
    "properties": {
      "text": {"$ref": "#/components/schemas/ReplyText"},
      "response_text": {"$ref": "#/components/schemas/ReplyText"},
      "edited_response": {"$ref": "#/components/schemas/ReplyText"}
    }
  },
  "ReplyText": {"type": "string", "minLength": 1, "maxLength": 20000, "description": "Not blank; at most 20,000 bytes."}
}}})json";

constexpr std::string_view kSchemasDomain = R"json({"components": {"schemas": {
  "Message": {
    "type": "object",
    "description": "A recruiter message: the newest of its conversation, with the earlier ones in `thread`. Only the text is required. Other fields are ignored.",
    "required": ["text"],
    "properties": {
      "id": {"type": ["string", "integer"], "description": "Your id for the message; echoed in `analysis.id`."},
      "sender": {"type": "string", "description": "The recruiter's name."},
      "sender_profile_url": {"type": ["string", "null"]},
      "text": {"type": "string", "minLength": 1},
      "message": {"type": "string", "minLength": 1, "description": "Accepted instead of `text` (the corpus's name for it); send `text`."},
      "sent_at": {"type": ["string", "null"], "format": "date-time"},
      "conversation_id": {"type": ["string", "null"]},
      "source_id": {"type": ["string", "null"], "description": "The message's id at its source; the first key of duplicate detection."},
      "thread": {"type": ["array", "null"], "description": "Earlier messages of the conversation, oldest first.", "items": {"$ref": "#/components/schemas/ThreadEntry"}}
    }
  },
  "ThreadEntry": {
    "type": "object",
    "required": ["from", "text"],
    "properties": {
      "from": {"$ref": "#/components/schemas/Speaker"},
      "text": {"type": "string"},
      "message": {"type": "string", "description": "Accepted instead of `text`; send `text`."},
      "sent_at": {"type": ["string", "null"], "format": "date-time"}
    }
  },
  "Analysis": {
    "type": "object",
    "description": "Everything the pipeline concluded (what `lia analyze` prints).",
    "required": ["id", "language", "conversation_state", "confidence", "question_type", "follow_up", "extracted", "filters", "scores", "total_score", "tier", "reply", "engines"],
    "properties": {
      "id": {"type": "string", "description": "The message's id, echoed."},
      "language": {"$ref": "#/components/schemas/Language"},
      "conversation_state": {"$ref": "#/components/schemas/ConversationState"},
      "confidence": {"type": "number", "minimum": 0, "maximum": 1},
      "question_type": {"anyOf": [{"$ref": "#/components/schemas/QuestionType"}, {"type": "null"}]},
      "follow_up": {"description": "For FOLLOW_UP only.", "anyOf": [{"$ref": "#/components/schemas/FollowUp"}, {"type": "null"}]},
      "extracted": {"$ref": "#/components/schemas/Extraction"},
      "filters": {"type": "array", "items": {"$ref": "#/components/schemas/FilterResult"}},
      "scores": {"$ref": "#/components/schemas/Scores"},
      "total_score": {"type": "integer", "minimum": 0, "maximum": 100},
      "tier": {"$ref": "#/components/schemas/Tier"},
      "reply": {"$ref": "#/components/schemas/Reply"},
      "engines": {"type": "object", "description": "The engine of each stage: `{\"classify\": \"rules\"}`.", "additionalProperties": {"type": "string"}}
    }
  },
  "FollowUp": {
    "type": "object",
    "required": ["question_type", "answerable_from_profile"],
    "properties": {
      "question_type": {"$ref": "#/components/schemas/QuestionType"},
      "answerable_from_profile": {"type": "boolean"}
    }
  },
  "Extraction": {
    "type": "object",
    "description": "The job fields of a message. For follow-ups and courtesy closes, only what the message itself states.",
    "required": ["company", "role", "seniority", "tech_stack", "salary", "remote_policy", "location", "job_type", "work_week", "agency", "agency_name", "crypto", "pre_seed"],
    "properties": {
      "company": {"type": ["string", "null"]},
      "role": {"type": ["string", "null"]},
      "seniority": {"$ref": "#/components/schemas/Seniority"},
      "tech_stack": {"type": "array", "items": {"type": "string"}},
      "salary": {"anyOf": [{"$ref": "#/components/schemas/Salary"}, {"type": "null"}]},
      "remote_policy": {"$ref": "#/components/schemas/RemotePolicy"},
      "location": {"type": ["string", "null"]},
      "job_type": {"$ref": "#/components/schemas/JobType"},
      "work_week": {"$ref": "#/components/schemas/WorkWeek"},
      "agency": {"type": "boolean"},
      "agency_name": {"type": ["string", "null"]},
      "crypto": {"type": "boolean", "description": "A crypto or web3 business."},
      "pre_seed": {"type": "boolean", "description": "A pre-seed or unfunded start-up."}
    }
  },
  "Salary": {
    "type": "object",
    "description": "The pay as offered, plus its yearly USD equivalent.",
    "required": ["min", "max", "currency", "period", "yearly_usd_min", "yearly_usd_max"],
    "properties": {
      "min": {"type": "integer", "format": "int64", "minimum": 0},
      "max": {"type": "integer", "format": "int64", "minimum": 0, "description": "Equal to `min` for a single figure."},
      "currency": {"type": "string", "description": "ISO 4217."},
      "period": {"$ref": "#/components/schemas/SalaryPeriod"},
      "yearly_usd_min": {"type": ["integer", "null"], "format": "int64"},
      "yearly_usd_max": {"type": ["integer", "null"], "format": "int64"}
    }
  },
  "FilterResult": {
    "type": "object",
    "description": "One hard requirement of the profile, checked.",
    "required": ["name", "passed", "reason", "penalty"],
    "properties": {
      "name": {"type": "string", "description": "Stable id: `minimum_salary`, `remote_policy`..."},
      "passed": {"type": "boolean"},
      "reason": {"type": "string", "description": "Empty when passed."},
      "penalty": {"type": "integer", "minimum": 0}
    }
  },
  "Scores": {
    "type": "object",
    "required": ["tech", "salary", "seniority", "company", "penalty", "total", "tech_reason", "salary_reason", "seniority_reason", "company_reason"],
    "properties": {
      "tech": {"type": "integer", "minimum": 0, "maximum": 40},
      "salary": {"type": "integer", "minimum": 0, "maximum": 30},
      "seniority": {"type": "integer", "minimum": 0, "maximum": 20},
      "company": {"type": "integer", "minimum": 0, "maximum": 10},
      "penalty": {"type": "integer", "minimum": 0},
      "total": {"type": "integer", "minimum": 0, "maximum": 100, "description": "tech + salary + seniority + company - penalty, clamped to 0..100."},
      "tech_reason": {"type": "string"},
      "salary_reason": {"type": "string"},
      "seniority_reason": {"type": "string"},
      "company_reason": {"type": "string"}
    }
  },
  "Reply": {
    "type": "object",
    "required": ["kind", "language", "text"],
    "properties": {
      "kind": {"$ref": "#/components/schemas/ReplyKind"},
      "language": {"$ref": "#/components/schemas/Language"},
      "text": {"type": "string", "description": "Empty when `kind` is `none`."}
    }
  },
  "ProfileUpdate": {
    "type": "object",
    "description": "The candidate: what they want and what they refuse. In a PUT every field is optional and absent ones take their defaults; unknown fields are refused.",
    "additionalProperties": false,
    "properties": {
      "name": {"type": "string"},
      "preferred_technologies": {"type": "array", "items": {"type": "string"}, "description": "Canonical names or aliases."},
      "years_of_experience": {"type": "integer", "minimum": 0, "maximum": 70},
      "current_seniority": {"$ref": "#/components/schemas/Seniority"},
      "minimum_salary_usd": {"type": "integer", "format": "int64", "minimum": 0, "description": "Yearly; 0: no minimum."},
      "ideal_salary_usd": {"type": "integer", "format": "int64", "minimum": 0, "description": "Yearly; 0: unknown. Not below `minimum_salary_usd`."},
      "preferred_remote_policy": {"$ref": "#/components/schemas/RemotePolicy"},
      "preferred_work_week": {"$ref": "#/components/schemas/WorkWeekPreference"},
      "preferred_locations": {"type": "array", "items": {"type": "string"}},
      "preferred_company_size": {"type": "string", "description": "`startup`, `scaleup`, `enterprise`..."},
      "industry_preferences": {"type": "array", "items": {"type": "string"}},
      "preferred_companies": {"type": "array", "items": {"type": "string"}},
      "avoided_companies": {"type": "array", "items": {"type": "string"}},
      "open_to_relocation": {"type": "boolean"},
      "looking_for_change": {"type": "boolean"},
      "job_search_status": {"$ref": "#/components/schemas/JobSearchStatus"},
      "signature": {"type": "string", "description": "Closes every reply; defaults to `name`."}
    }
  },
  "Profile": {
    "description": "The profile in force: every field present.",
    "allOf": [{"$ref": "#/components/schemas/ProfileUpdate"}],
    "required": ["name", "preferred_technologies", "years_of_experience", "current_seniority", "minimum_salary_usd", "ideal_salary_usd", "preferred_remote_policy", "preferred_work_week", "preferred_locations", "preferred_company_size", "industry_preferences", "preferred_companies", "avoided_companies", "open_to_relocation", "looking_for_change", "job_search_status", "signature"]
  },
  "JobSearchStatus": {
    "type": "object",
    "additionalProperties": false,
    "properties": {
      "currently_employed": {"type": "boolean", "default": true},
      "actively_looking": {"type": "boolean", "default": false},
      "urgency": {"type": "string", "description": "Free text: `low`, `medium`, `high`..."},
      "situation": {"type": "string", "description": "Free text, used in replies to follow-ups."},
      "must_have": {"type": "array", "items": {"type": "string"}},
      "nice_to_have": {"type": "array", "items": {"type": "string"}},
      "reject_if": {"type": "array", "description": "Hard rejections: `agency`, `crypto`, `pre_seed`, `onsite`, `hybrid`, `contract`, `freelance`, `part_time`, `no_salary`, `five_day_week` (other spellings such as `pre-seed` are stored as these).", "items": {"type": "string"}}
    }
  },
  "Tier": {"type": "string", "enum": ["HIGH_PRIORITY", "INTERESTING", "LOW", "NOT_INTERESTED"]},
  "OpportunityStatus": {"type": "string", "description": "What you did with the opportunity.", "enum": ["new", "reviewed", "interested", "applied", "rejected", "archived"]},
  "ProcessingStatus": {"type": "string", "enum": ["pending", "processing", "completed", "failed"]},
  "ResponseStatus": {"type": "string", "enum": ["pending", "approved", "declined", "sent"]},
  "ConversationState": {"type": "string", "enum": ["NEW_OPPORTUNITY", "FOLLOW_UP", "COURTESY_CLOSE"]},
  "QuestionType": {"type": "string", "description": "What a follow-up asks.", "enum": ["SALARY", "AVAILABILITY", "EXPERIENCE", "INTEREST", "SCHEDULING", "NONE", "OTHER"]},
  "Seniority": {"type": "string", "enum": ["Unknown", "Intern", "Junior", "Mid", "Senior", "Lead", "Staff", "Principal"]},
  "RemotePolicy": {"type": "string", "enum": ["Unknown", "Remote", "Hybrid", "Onsite"]},
  "JobType": {"type": "string", "enum": ["Unknown", "Full-time", "Part-time", "Contract", "Freelance"]},
  "WorkWeek": {"type": "string", "enum": ["Unknown", "4-days", "5-days"]},
  "WorkWeekPreference": {"type": "string", "enum": ["flexible", "4-days", "5-days"]},
  "SalaryPeriod": {"type": "string", "enum": ["year", "month", "day", "hour"]},
  "Language": {"type": "string", "enum": ["en", "es", "pt"]},
  "ReplyKind": {"type": "string", "enum": ["interested", "decline", "answer", "none"]},
  "Speaker": {"type": "string", "enum": ["recruiter", "candidate"]}
}}})json";

constexpr std::array<std::string_view, 11> kPieces = {
    kHead,
    kPathsHealthDocs,
    kPathsMessages,
    kPathsOpportunities,
    kPathsResponsesProfile,
    kPathsJobs,
    kPathsEvents,
    kComponents,
    kSchemasApi,
    kSchemasJobs,
    kSchemasDomain,
};

// Objects merge key by key; anything else replaces. (json::merge_patch would
// delete keys whose value is null, and examples hold nulls.)
void Merge(json& into, const json& from) {
  if (!into.is_object() || !from.is_object()) {
    into = from;
    return;
  }
  for (const auto& [key, value] : from.items()) Merge(into[key], value);
}

const json& Document() {
  static const json* const kDocument = [] {
    auto* document = new json(json::object());
    for (std::string_view piece : kPieces) {
      // Constant text, parsed without exceptions: a malformed piece is a
      // bug that openapi_test reports (its paths or schemas go missing).
      json parsed = json::parse(piece, nullptr, /*allow_exceptions=*/false);
      if (!parsed.is_discarded()) Merge(*document, parsed);
    }
    return document;
  }();
  return *kDocument;
}

// The docs page. Relative URLs, so it also works behind a proxy that mounts
// lia under a prefix. No inline script, so a strict Content-Security-Policy
// can be added without exceptions.
constexpr std::string_view kDocsPage = R"html(<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>lia API</title>
  <link rel="stylesheet" href="docs/assets/swagger-ui.css">
  <link rel="icon" type="image/png" href="docs/assets/favicon-32x32.png" sizes="32x32">
  <link rel="icon" type="image/png" href="docs/assets/favicon-16x16.png" sizes="16x16">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="docs/assets/swagger-ui-bundle.js"></script>
  <script src="docs/assets/swagger-ui-standalone-preset.js"></script>
  <script src="docs/assets/lia-docs.js"></script>
</body>
</html>
)html";

// validatorUrl null: Swagger UI would otherwise send the document to an
// outside validator for its badge.
constexpr std::string_view kDocsScript =
    R"js(window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: "StandaloneLayout",
    validatorUrl: null,
    persistAuthorization: true,
    tryItOutEnabled: false
  });
});
)js";

Response Text(std::string_view content_type, std::string_view body,
              std::string_view cache_control) {
  Response r;
  r.status = 200;
  r.content_type = std::string(content_type);
  r.body = std::string(body);
  r.headers.emplace_back("Cache-Control", std::string(cache_control));
  return r;
}

Response DocsUnavailable() {
  return Problem(503, "Service Unavailable",
                 internal::SwaggerUiAssetsMissingReason());
}

}  // namespace

json OpenApiDocument() { return Document(); }

void RegisterDocs(Router& router, const DocsOptions& options) {
  json document = Document();
  if (!options.version.empty()) document["info"]["version"] = options.version;
  // Serialised once: the document is constant while the server runs.
  auto body = std::make_shared<const std::string>(document.dump());
  router.Handle("GET", "/openapi.json", [body](const Request&) {
    return Text("application/json", *body, "no-cache");
  });
  router.Handle("GET", "/docs", [](const Request& request) {
    // The router also routes "/docs/" here, where the page's relative links
    // would miss: send the browser to "/docs" (relative, for proxies that
    // mount lia under a prefix).
    if (!request.path.empty() && request.path.back() == '/') {
      Response r;
      r.status = 301;
      r.content_type.clear();
      r.headers.emplace_back("Location", "../docs");
      return r;
    }
    if (internal::SwaggerUiAssets().empty()) return DocsUnavailable();
    return Text("text/html; charset=utf-8", kDocsPage, "no-cache");
  });
  router.Handle("GET", "/docs/assets/{file}", [](const Request& request) {
    if (internal::SwaggerUiAssets().empty()) return DocsUnavailable();
    auto it = request.path_params.find("file");
    const std::string_view file =
        it == request.path_params.end() ? "" : std::string_view(it->second);
    // The files change only with the binary; an hour of caching spares the
    // 2 MB on every visit without pinning a stale file for long.
    constexpr std::string_view kCache = "public, max-age=3600";
    if (file == "lia-docs.js") {
      return Text("text/javascript; charset=utf-8", kDocsScript, kCache);
    }
    for (const internal::DocsAsset& asset : internal::SwaggerUiAssets()) {
      if (asset.name == file) {
        return Text(asset.content_type, asset.bytes, kCache);
      }
    }
    return Problem(404, "Not Found", "no such documentation file");
  });
}

}  // namespace lia::http
