"""The ESIA face's key files at stable paths (ESIA.md §2; docs/esia.md "Tokens"):

- ``/public/esia.cer`` and ``/public/esia.pem``: the signing certificate, PEM;
- ``/public/esia.public.pem``: the bare public key, PEM (esia-connector's ``esia_token_check_key``);
- ``/public/esia-gost.public.pem``: the public key of GOST-signed tokens (``GOST3410_2012_256``);
- ``/public/esia.zip``: all of them (``esia.cer``, ``esia.der``, ``esia.public.pem``,
  ``esia-gost.public.pem``).
"""

from __future__ import annotations

from typing import Annotated

from anyio import to_thread
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from idp.esia.downloads import EsiaDownloads, EsiaFiles

router = APIRouter(tags=["esia"])
_PEM = {"application/x-pem-file": {"schema": {"type": "string"}}}


async def _files(request: Request) -> EsiaFiles:
    downloads: EsiaDownloads = request.app.state.esia_downloads
    return await to_thread.run_sync(downloads.files)


FilesDep = Annotated[EsiaFiles, Depends(_files)]


def _file(body: bytes, media_type: str, name: str) -> Response:
    return Response(
        body,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "public, max-age=300",
        },
    )


@router.get(
    "/public/esia.cer",
    summary="The ESIA face's token signing certificate (RS256, self-signed, PEM)",
    response_class=Response,
    responses={200: {"description": "PEM certificate", "content": _PEM}},
)
async def certificate(files: FilesDep) -> Response:
    return _file(files.certificate_pem, "application/x-pem-file", "esia.cer")


@router.get(
    "/public/esia.pem",
    summary="The ESIA face's token signing certificate (PEM), under a .pem name",
    response_class=Response,
    responses={200: {"description": "PEM certificate", "content": _PEM}},
)
async def certificate_pem(files: FilesDep) -> Response:
    return _file(files.certificate_pem, "application/x-pem-file", "esia.pem")


@router.get(
    "/public/esia.public.pem",
    summary="The ESIA face's token signing public key (PEM PUBLIC KEY, for PyJWT 1.x clients)",
    response_class=Response,
    responses={200: {"description": "PEM public key", "content": _PEM}},
)
async def public_key(files: FilesDep) -> Response:
    return _file(files.public_key_pem, "application/x-pem-file", "esia.public.pem")


@router.get(
    "/public/esia.zip",
    summary="The ESIA face's certificate and public key in one archive (ESIA.md §2)",
    response_class=Response,
    responses={
        200: {"description": "zip archive", "content": {"application/zip": {"schema": {"type": "string"}}}}
    },
)
async def archive(request: Request, files: FilesDep) -> Response:
    downloads: EsiaDownloads = request.app.state.esia_downloads
    gost_pem = await to_thread.run_sync(downloads.gost_public_key_pem)
    return _file(files.zip(gost_pem), "application/zip", "esia.zip")


@router.get(
    "/public/esia-gost.public.pem",
    summary="The public key of GOST3410_2012_256 tokens (PEM PUBLIC KEY, GOST R 34.10-2012)",
    response_class=Response,
    responses={200: {"description": "PEM public key", "content": _PEM}},
)
async def gost_public_key(request: Request) -> Response:
    downloads: EsiaDownloads = request.app.state.esia_downloads
    pem = await to_thread.run_sync(downloads.gost_public_key_pem)
    assert pem is not None, "main.py puts the GOST algorithm in the key store"
    return _file(pem, "application/x-pem-file", "esia-gost.public.pem")
