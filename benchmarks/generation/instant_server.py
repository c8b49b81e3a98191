"""An OpenAI-compatible server that answers at once: the benchmark's stand-in for a GPU
server, so that what is measured is the client side. Run as its own process:

    .venv/bin/python benchmarks/generation/instant_server.py PORT
"""

from __future__ import annotations

import sys

from aiohttp import web


async def chat(request: web.Request) -> web.Response:
    body = await request.json()
    text = f"Answer {body.get('seed', 0)} to {body['messages'][-1]['content'][:40]}"
    return web.json_response(
        {
            "model": body.get("model", ""),
            "object": "chat.completion",
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": {"role": "assistant", "content": text},
                }
            ],
            "usage": {"prompt_tokens": 12, "completion_tokens": 8, "total_tokens": 20},
        }
    )


def main() -> None:
    app = web.Application()
    app.router.add_post("/v1/chat/completions", chat)
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=None, backlog=2048)


if __name__ == "__main__":
    main()
