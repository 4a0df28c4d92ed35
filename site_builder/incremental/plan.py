"""The plan of what to redo: which records and files of the last build still hold, and the record of every
file of the site a build leaves. Nothing here renders; it compares signatures and keys."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from site_builder.incremental.signatures import OutputSignature, output_signature, signature
from site_builder.incremental.state import BuildState, Inputs, OutputRecord, PostRecord


def statuses_same(inputs: Inputs, previous: BuildState, config_file: Path | None) -> bool:
    """What the records of ``previous`` depend on besides their files is unchanged: the check statuses' inputs,
    and the config (which says which embeds a post may show)."""
    depends = dict(inputs.status_files)
    if config_file is not None:
        depends[str(config_file)] = inputs.files.get(str(config_file))
    return all(previous.inputs.get(path) == sig for path, sig in depends.items())


def reusable(files: list[tuple[Path, bool]], old: Mapping[str, PostRecord], signatures: Mapping[str, Any],
              drafts: bool) -> tuple[dict[Path, PostRecord], list[tuple[Path, bool]]]:
    """(the records of ``old`` that still hold, by file; the files to read again)."""
    reused: dict[Path, PostRecord] = {}
    todo: list[tuple[Path, bool]] = []
    for path, draft_folder in files:
        record = old.get(str(path))
        if (record is not None and record.signature == signatures[str(path)]
                and record.draft_folder == draft_folder and (record.key is not None or not drafts)):
            reused[path] = _left_out(record) if not drafts and record.post_fields.get("draft") else record
        else:
            todo.append((path, draft_folder))
    return reused, todo


def _left_out(record: PostRecord) -> PostRecord:
    return PostRecord(record.signature, record.draft_folder, None)


def unchanged(path: str, trusted: BuildState, present: dict[str, OutputSignature]) -> bool:
    old = trusted.outputs.get(path)
    return old is not None and present.get(path) == old.file


def unchanged_copies(copies: list[tuple[Path, str]], trusted: BuildState | None,
                     present: dict[str, OutputSignature]) -> tuple[list[tuple[Path, str]], list[str]]:
    """(copies to make, destinations kept from the current site): only the last copy to each destination counts
    (a static file replaces the theme's asset: the asset is not copied at all); it is kept when its source has
    the signature it had when the current site's file was copied from it, and that file is untouched."""
    to_copy, kept = [], []
    final = dict((destination, source) for source, destination in copies)  # a later copy replaces an earlier one
    for destination, source in final.items():
        old = trusted.outputs.get(destination) if trusted is not None else None
        if (old is not None and old.key == repr(signature(source))
                and present.get(destination) == old.file):
            kept.append(destination)
        else:
            to_copy.append((source, destination))
    return to_copy, kept


def kept_index(search_key: str | None, trusted: BuildState | None,
                present: dict[str, OutputSignature]) -> list[str]:
    """The current site's search index files, when they index ``search_key`` (any, for None) and are untouched."""
    if trusted is None or search_key is not None and trusted.search_key != search_key:
        return []
    files = [path for path in trusted.outputs if path.startswith("pagefind/")]
    untouched = all(present.get(path) == trusted.outputs[path].file for path in files)
    return files if files and untouched else []


def written_outputs(out: Path, outputs: dict[str, OutputRecord], index_key: Callable[[str], str], kept: set[str],
                    present: dict[str, OutputSignature], generated: Iterable[str] = ()) -> dict[str, OutputRecord]:
    """The record of every file of the site just written, with the signature it has now; a file no record
    names (the search index: the files ``generated`` wrote, and those it kept) is recorded as generated with
    the key ``index_key`` gives it (its shard's). A kept file is a link to the file ``present`` describes (same
    inode, size and date), so only the files written are looked at."""
    files = {path: present[path] if path in kept else output_signature(out / path) for path in outputs}
    files.update({path: present[path] for path in kept if path.startswith("pagefind/")})
    files.update({path: output_signature(out / path) for path in generated})
    records = {}
    for path, file in files.items():
        if file is not None:
            record = outputs.get(path)
            records[path] = OutputRecord(record.key, record.read, file) if record else OutputRecord(index_key(path),
                                                                                                      file=file)
    return records
