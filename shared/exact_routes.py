"""Dispatch of a service's few hottest endpoints by exact method and path, ahead of the router.

FastAPI's per-request machinery (matching the path against every route, resolving dependencies,
the exit stacks around them) costs more than answering a cached ``client_credentials`` grant or
introspecting a token from memory. :class:`ExactRoutes` sits inside the plumbing middleware (so
request ids, the body limit, metrics and the access log still apply) and hands a request whose
method and path match one of the given routes straight to that route's endpoint.

The routes stay declared on the app as usual: they are in the OpenAPI document and anything this
layer does not take still reaches them through the router. Only endpoints of the shape
``async def endpoint(request: Request) -> Response`` qualify (nothing for FastAPI to resolve), and
their exceptions go through the app's exception handlers as they would inside the router.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from typing import Any

from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
Endpoint = Callable[[Request], Awaitable[Response]]


def _qualifies(route: APIRoute) -> bool:
    params = list(inspect.signature(route.endpoint).parameters.values())
    return (
        # router- or route-level dependencies (authentication!) would be skipped here: refuse them
        not route.dependencies
        and not route.dependant.dependencies
        and inspect.iscoroutinefunction(route.endpoint)
        and len(params) == 1
        and params[0].annotation in (Request, "Request")
    )


class ExactRoutes:
    def __init__(self, app: ASGIApp, *, routes: Sequence[APIRoute]) -> None:
        self.app = app
        self.table: dict[tuple[str, str], tuple[APIRoute, Endpoint]] = {}
        for route in routes:
            if not _qualifies(route):
                raise TypeError(
                    f"{route.path}: only `async def endpoint(request: Request)` "
                    "without dependencies qualifies"
                )
            for method in route.methods or ():
                self.table[(method, route.path)] = (route, route.endpoint)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        target = None
        if scope["type"] == "http":
            path, root = scope["path"], scope.get("root_path", "")
            if root and path.startswith(root):  # behind a path prefix (ASGI: path includes it)
                path = path[len(root) :]
            target = self.table.get((scope["method"], path))
        if target is None:
            await self.app(scope, receive, send)
            return
        route, endpoint = target
        scope["route"] = route  # metrics and the access log label requests by route template
        request = Request(scope, receive, send)
        try:
            response = await endpoint(request)
        except Exception as exc:
            response = await self._handled(request, exc)
        await response(scope, receive, send)

    @staticmethod
    async def _handled(request: Request, exc: Exception) -> Response:
        """The response the app's exception handlers give for ``exc``; re-raise if none applies
        (the plumbing middleware turns that into a 500 with an error id)."""
        handlers = request.app.exception_handlers
        for cls in type(exc).__mro__:
            if cls is Exception:  # the catch-all belongs to the outer layers, as with the router
                break
            handler = handlers.get(cls)
            if handler is not None:
                if inspect.iscoroutinefunction(handler):
                    response: Response = await handler(request, exc)
                else:
                    response = await run_in_threadpool(handler, request, exc)
                return response
        raise exc
