"""Local preview: serve the built site on 127.0.0.1, rebuild on change, reload the open page.

The server knows nothing about content (like MkDocs' ``serve`` + ``livereload``): it is handed a
``rebuild(changed_paths)`` callable and the paths to watch. ``rebuild(frozenset())`` means a full build.

- Files are looked up under ``out_dir`` at request time, so a build that swaps ``out_dir`` atomically
  is picked up by the next request.
- ``/__livereload`` streams the news of each build to the pages, which reload or show the error: see
  ``site_builder.livereload`` (one stream per browser, however many tabs it has open on the preview).

Safety (a preview for the machine it runs on, not a web server to publish with):

- It listens on 127.0.0.1 unless told another address; never on every interface (``0.0.0.0``, ``::``).
- It answers only requests whose ``Host`` names it (``127.0.0.1``, ``localhost``, ``[::1]`` or the address
  it listens on, any port), so a page of another site whose name was re-pointed at 127.0.0.1 (DNS
  rebinding) reads nothing: 421 Misdirected Request.
- Each request's line and headers must arrive within ``Limits.head_timeout_s``; at most
  ``Limits.max_connections`` are handled at once (a thread each), and the ones beyond get 503.
- Event streams are counted apart (``Limits.max_streams``; one more ends the oldest), so however many stay
  open, pages are still served.
- URL paths never leave the output folder (``..``, encoded or not, backslashes, NUL, symlinks out: 403).

The parts: ``server`` (``Server``: bind, first build, serve and watch in threads, stop; ``serve`` for the CLI),
``handler`` (the HTTP server's bounds and the request handler: files, redirects, the event stream) and
``urls`` (the ``Host`` check and URL paths kept inside the output folder).
"""

from __future__ import annotations

from site_builder.serve.handler import BUSY_ANSWER, CONTENT_TYPES, NOT_FOUND_PAGE, Limits, content_type_for
from site_builder.serve.server import IGNORED_DIRS, IGNORED_NAMES, Rebuild, Server, serve
from site_builder.serve.urls import (HOST, HOST_HEADER, LOOPBACK_NAMES, folder_url, host_refusal, is_loopback,
                                     resolve_url_path, url_host, url_parts)

__all__ = ["BUSY_ANSWER", "CONTENT_TYPES", "HOST", "HOST_HEADER", "IGNORED_DIRS", "IGNORED_NAMES", "LOOPBACK_NAMES",
           "NOT_FOUND_PAGE", "Limits", "Rebuild", "Server", "content_type_for", "folder_url", "host_refusal",
           "is_loopback", "resolve_url_path", "serve", "url_host", "url_parts"]
