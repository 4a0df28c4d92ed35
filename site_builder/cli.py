"""``site-builder build / serve / clean / init / new / explain / check / import``. A ``SiteError`` prints as a
message with its cause chain (``errors.format_error``), never as a traceback, and exits with status 1;
Ctrl-C exits with 130, a closed pipe (``| head``) quietly with 141."""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import signal
import sys
import time
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from site_builder import __version__, importers, snippets
from site_builder.errors import SiteError, format_error

if TYPE_CHECKING:  # a build that finds nothing changed needs none of the content model
    from site_builder.model import Post


def main(argv: Sequence[str] | None = None) -> int:
    parser = make_parser()
    try:
        args = parser.parse_args(argv)
        if not getattr(args, "func", None):
            parser.print_help()
            return 2
        status = args.func(args)
        sys.stdout.flush()  # a reader that went away is found here, not by Python's last flush
        return status
    except BrokenPipeError:  # `site-builder check --json | head -1`: stop quietly, as `yes | head -1` does
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # the last flush has nowhere to fail
        return 128 + signal.SIGPIPE
    except SiteError as exc:
        print(format_error(exc), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="site-builder", description="Publish annotated AI conversations "
                                     "as a static site whose code snippets are proven to run.")
    parser.add_argument("--version", action="version", version=f"site-builder {__version__}")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    build = sub.add_parser("build", help="render the content folder into the output folder")
    _site_options(build)
    build.add_argument("--profile", action="store_true",
                       help="after the build, print where its time went, stage by stage (under cProfile)")
    build.set_defaults(func=cmd_build)

    serve = sub.add_parser("serve", help="preview on 127.0.0.1 with rebuild and live reload")
    _site_options(serve)
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default 127.0.0.1, this machine only; any other address "
                            "shows the preview to whoever can reach it)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000; 0 = any free)")
    serve.set_defaults(func=cmd_serve)

    clean = sub.add_parser("clean", help="remove the site a build wrote (your files in it are kept)")
    clean.add_argument("--out", type=Path, default=Path("_site"), help="output folder (default _site/)")
    clean.set_defaults(func=cmd_clean)

    init = sub.add_parser("init", help="start a blog: a content folder with a sample post, .gitignore and a "
                          "GitHub Pages workflow")
    init.add_argument("folder", nargs="?", type=Path, default=Path("."), help="where (default: this folder)")
    init.add_argument("--title", default=None, help="the site's title (default: the folder's name)")
    init.set_defaults(func=cmd_init)

    new = sub.add_parser("new", help="create a dated post skeleton")
    new.add_argument("title", help="the post title")
    new.add_argument("--content", type=Path, default=Path("content"), help="content folder (default content/)")
    new.add_argument("--date", type=dt.date.fromisoformat, default=None, help="YYYY-MM-DD (default today)")
    new.add_argument("--draft", action="store_true", help="create it in drafts/")
    new.set_defaults(func=cmd_new)

    explain = sub.add_parser("explain", help="show how a post was read: each turn's speaker, role and why, "
                             "and warnings for shapes that are often misread")
    explain.add_argument("posts", nargs="+", type=Path, metavar="POST", help="post files (.md)")
    explain.add_argument("--fix", action="store_true",
                         help="write the front matter that settles each doubt as it was decided (speakers:, "
                              "prompts:, closing_words:), show the diff; nothing else in the file changes")
    explain.set_defaults(func=cmd_explain)

    # Commands owned by other modules register their own options.
    snippets.add_check_parser(sub)
    importers.add_import_parser(sub)
    return parser


def _site_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--content", type=Path, default=Path("content"),
                        help="content folder: posts/ + site.yaml, or a Jekyll folder (default content/)")
    parser.add_argument("--out", type=Path, default=Path("_site"), help="output folder (default _site/)")
    parser.add_argument("--drafts", action="store_true", help="also build drafts")
    parser.add_argument("--base-url", default=None,
                        help="public URL of the site root, e.g. https://me.github.io/blog/ (overrides site.yaml)")
    parser.add_argument("-j", "--jobs", type=_jobs, default=None, metavar="N",
                        help="processes that render posts (default: the cores available)")


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 256:
        raise argparse.ArgumentTypeError(f"expected a whole number from 1 to 256, got {text!r}")
    return value


_BUILD_GC = (50_000, 20, 20)
"""The collector's thresholds for the one build a ``build`` process makes (Python's: 700, 10, 10). An edit's
build of 1,000 posts makes hundreds of thousands of objects that live to its end (the last build's state is read
with the collector off, then frozen with the imports: ``build.build_site``): with Python's thresholds the
collector walked them in 240 collections (0.08-0.1 s of a 1.1 s build); with (5,000, 20, 20) in 35 (35-40 ms);
with these, 5 ms. A cold build's peak memory is the same (138 MB at 1,000 posts: what a gen-0 collection waits
for is at most 50,000 small objects). The worker processes of a cold build inherit them."""

_BUILD_SWITCH = 0.0005
"""How soon a thread waiting for Python's lock takes it from the one running (Python's default: 5 ms). The
search index's threads feed Pagefind and read its replies, one small reply per page, each taken while the
main thread renders pages: with 5 ms a reply, a shard of 16 posts took 0.24-0.5 s beside a busy thread
against 0.13 s alone; with 0.5 ms, 0.17-0.22 s."""


def cmd_build(args: argparse.Namespace) -> int:
    from site_builder.output.ahead import scan_ahead

    with scan_ahead(args.out) as ahead:  # the output is read in a child while the build's modules load
        from site_builder.build import build_site

        progress = _progress_after(1.0)
        gc.set_threshold(*_BUILD_GC)
        sys.setswitchinterval(_BUILD_SWITCH)

        def build() -> Any:
            return build_site(args.content, args.out, drafts=args.drafts, base_url=args.base_url, progress=progress,
                              jobs=args.jobs, ahead=ahead)
        try:
            if getattr(args, "profile", False):
                from site_builder.profiling import profiled

                result, profile = profiled(build)
            else:
                result, profile = build(), []
        finally:
            progress.clear()  # before the summary or the errors
    gc.freeze()  # the process ends soon: its last collection would walk every object the build left (0.1 s)
    for warning in result.warnings:
        print(warning, file=sys.stderr)
    print(f"Built {result.posts} posts, {result.pages} files into {result.out_dir} in {result.seconds:.2f} s"
          f" ({_work(result)})")
    print("\n".join(profile), end="\n" if profile else "")
    return 0


def cmd_clean(args: argparse.Namespace) -> int:
    from site_builder.output.remove import remove_site

    kept = remove_site(args.out).kept
    if kept:
        shown = ", ".join(kept[:5]) + (f" and {len(kept) - 5} more" if len(kept) > 5 else "")
        print(f"Removed the site in {args.out}; kept what site-builder did not write: {shown}")
    else:
        print(f"Removed {args.out}")
    return 0


def _work(result) -> str:  # a build.BuildResult
    if not result.rendered and not result.written:
        return "nothing changed"
    return f"{result.rendered} rendered, {result.written} written"


_WHY = {"asks": "asks (an assistant answers right after)", "answers": "answers (right after a user)",
        "repeated": "repeated (takes turns with another label)", "declared": "declared in speakers:"}


def cmd_explain(args: argparse.Namespace) -> int:
    from site_builder.pages import load_page
    from site_builder.posts import load_post

    status = 0
    for index, path in enumerate(args.posts):
        if index:
            print()
        pages = next((folder for folder in path.parents if folder.name == "pages"), None)  # a page: no date needed
        # how the turns read does not hang on a date: an undated file is explained (dated by its modification time)
        post = load_page(path, pages, jekyll=False).post if pages else load_post(path, draft=True)
        print("\n".join(explanation(post)))
        if args.fix and pages:
            print(f"{path}: --fix settles posts only; a page's doubts are settled by adding the keys shown above")
        elif args.fix:
            status = max(status, _fix(post))
    return status


def _fix(post: Post) -> int:
    """``explain --fix``: settle the post's doubts in its front matter (``settle``); 1 when that cannot be done."""
    from site_builder.settle import settle, write_settled

    original = post.path.read_bytes().decode("utf-8")  # as it is, BOM and line ends included (load_post checked it)
    result = settle(post, original)
    if result.text is None:
        print(f"{post.path}: {result.said}")
        return 0 if result.said.startswith("nothing") else 1
    target = post.path.resolve()  # a link to a post: the post it links to is settled, the link stays
    if not target.stat().st_mode & 0o222 or not os.access(target, os.W_OK):  # read-only, even to root
        print(f"{post.path}: not settled: the file is read-only (make it writable, or add the keys by hand)")
        return 1
    try:
        write_settled(target, result.text)
    except OSError as exc:
        print(f"{post.path}: not settled: cannot write ({exc.strerror}); add the keys by hand")
        return 1
    print(result.diff, end="")
    print(f"{post.path}: {result.said}")
    return 0


def explanation(post: Post) -> list[str]:
    """The lines ``site-builder explain`` prints for one post."""
    said = {"declared": "reading: declared (the front matter says who speaks)",
            "certain": "reading: certain (no doubt found)",
            "unsure": f"reading: unsure ({len([w for w in post.warnings if w.settle])} doubt(s) below: "
                      f"`site-builder explain --fix {post.path}` writes what settles them as decided)"}
    lines = [said.get(post.confidence, post.confidence)]
    if not post.turns:
        lines.append("no turns: read as an article")
    else:
        width = max(len("speaker"), *(_columns(t.speaker.name) for t in post.turns))
        lines.append(f"line  turn  {'speaker':<{width}}  {'role':<9}  why")
        lines += [f"{t.line:>4}  {t.number:>4}  {_padded(t.speaker.name, width)}  {t.role:<9}  "
                  f"{_WHY.get(post.reasons.get(t.speaker.name, ''), post.reasons.get(t.speaker.name, ''))}"
                  for t in post.turns]
    if post.outro:
        lines.append(f"{post.outro_line:>4}  the author's closing words (after the conversation)")
    return lines + [w.said(post.path) for w in post.warnings]


def _columns(text: str) -> int:
    """Terminal columns of ``text``: wide (CJK) characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _padded(text: str, width: int) -> str:
    return text + " " * (width - _columns(text))


def cmd_serve(args: argparse.Namespace) -> int:
    from site_builder.build import build_site
    from site_builder.discover import THEME_DIR
    from site_builder.serve import serve

    def build(preview: bool):  # a build.BuildResult
        return build_site(args.content, args.out, drafts=args.drafts, base_url=args.base_url, jobs=args.jobs,
                          preview=preview, defer_state=preview)

    def rebuild(changed: frozenset[Path]):  # serve.Rebuild's follow-up or None
        result = build(preview=True)  # the page first; the search index (seconds at 1,000 posts) follows
        what = f"{len(changed)} change{'s' if len(changed) != 1 else ''}" if changed else "start"
        print(f"Rebuilt ({what}): {result.posts} posts in {result.seconds:.2f} s ({_work(result)})", flush=True)
        if not result.search_pending and result.finish is None:
            return None

        def after_the_reload() -> None:
            if result.finish is not None:
                result.finish()  # the state, for the next build
            if result.search_pending:
                indexed = build(preview=False)
                print(f"Search index rebuilt in {indexed.seconds:.2f} s", flush=True)
        return after_the_reload

    serve(args.out, rebuild, [args.content, THEME_DIR], host=args.host, port=args.port)
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    from site_builder.scaffold import init_blog

    title = args.title or args.folder.resolve().name.replace("-", " ").replace("_", " ").strip().title() or "My blog"
    written = init_blog(args.folder, title)
    for path in written:
        print(f"Created {path}")
    where = "" if args.folder == Path(".") else f"cd {args.folder} && "
    print(f"\nNext: {where}site-builder build   (then open _site/index.html, or site-builder serve to preview)\n"
          "      site-builder new \"My first conversation\"   (a post to write)\n"
          "      site-builder check   (run the code blocks the posts show)")
    return 0


def cmd_new(args: argparse.Namespace) -> int:
    date = args.date or dt.date.today()
    from site_builder.posts import slugify

    slug = slugify(args.title) or "post"
    folder = args.content / ("drafts" if args.draft else "posts")
    path = folder / f"{date.isoformat()}-{slug}.md"
    if path.exists():
        raise SiteError(f"{path} already exists", hint="choose another title or edit that post")
    folder.mkdir(parents=True, exist_ok=True)
    title = args.title.replace("\\", "\\\\").replace('"', '\\"')
    path.write_text(
        f'---\ntitle: "{title}"\ndate: {date.isoformat()}\ntags: []\n'
        "speakers:\n  Me: {role: user}\n  ChatGPT: {role: assistant, model: gpt-4o}\n---\n\n"
        "What this conversation is about, in a sentence or two.\n\n"
        "Me: The question you asked.\n\nChatGPT: The answer.\n\n> [!NOTE]\n> What you learned from it.\n",
        encoding="utf-8",
    )
    print(f"Created {path}")
    return 0


def _progress_after(seconds: float, log_every: float = 5.0):
    """A progress line, only for builds that take longer than ``seconds``; redrawn in place on a
    terminal, and in a log (not a terminal) one line every ``log_every`` seconds at most. Its ``clear()``
    erases the line on a terminal, if one was drawn."""
    start = time.perf_counter()
    last_logged = [float("-inf")]
    drawn = [False]

    def report(message: str) -> None:
        now = time.perf_counter()
        if now - start <= seconds:
            return
        if sys.stderr.isatty():
            drawn[0] = True
            print(f"\r\033[K{message}", end="", file=sys.stderr, flush=True)
        elif now - last_logged[0] >= log_every:
            last_logged[0] = now
            print(message, file=sys.stderr)

    def clear() -> None:
        if drawn[0]:
            drawn[0] = False
            print("\r\033[K", end="", file=sys.stderr, flush=True)

    report.clear = clear
    return report
