"""Incremental builds: what the last build read and wrote, so that the next one redoes only what changed.

The state of a content folder's last successful build is one pickle in its cache folder
(``<cache>/<content>/build/state.pickle``, see ``caches.py``):

- the signature (size, mtime, ctime, inode) of every file the build read, a key for our own code and the
  libraries that shape the output (Pygments, markdown-it, Jinja2…), the build options, and the id of the
  output it wrote (the ``.site-builder`` marker holds the same id);
- for every post file: its signature, the key of its rendered view, and what lists show of it (title,
  date, tags…); the whole rendered view is in ``views/<key>.pickle``, read back only when a page shows it;
- for every output file: the key of what it was made from (``page_key``) and the hash of its bytes.

A stale page is a bug, a slow one is not: every key covers all its page was made from, and whatever the
state cannot vouch for (no state, another output folder, a marker that is not the state's) is rebuilt.
Deleting the cache is always safe: the next build is a cold one.

The package, by what each module holds:

- ``signatures.py``: file signatures, the key of our code (``code_key``), ``digest``;
- ``store.py``: the rendered views, one pickle each (``ViewStore``), and how the content model is pickled;
- ``views.py``: a post's view as templates get it (``lazy_view``), its summary, and the ``ReadLog`` of the
  posts a page read whole;
- ``keys.py``: what a page was made from (``page_key`` over ``SiteKeys``);
- ``state.py``: the records (``PostRecord``, ``OutputRecord``), ``BuildState``, ``Stamp``, ``Inputs``, where
  they are kept, loading and saving;
- ``plan.py``: which records and files of the last build still hold (what to redo), and the records a build
  leaves.
"""


from site_builder.incremental.keys import SiteKeys, fingerprint, page_key
from site_builder.incremental.signatures import (
    STATE_FORMAT,
    OutputSignature,
    Signature,
    code_key,
    digest,
    environment_signature,
    output_signature,
    signature,
    signatures,
    tree_files,
)
from site_builder.incremental.state import (
    BuildState,
    Inputs,
    OutputRecord,
    PostRecord,
    Stamp,
    compiled_templates,
    describes,
    index_shards,
    legacy_search_store,
    load_stamp,
    load_state,
    save_state,
    spare_folder,
    stamp_of,
    view_store,
)
from site_builder.incremental.store import ViewStore, dumps, write_atomic
from site_builder.incremental.views import Lazy, ReadLog, lazy_view, summary_key, summary_of

__all__ = ['BuildState', 'Inputs', 'Lazy', 'OutputRecord', 'OutputSignature', 'PostRecord', 'ReadLog', 'STATE_FORMAT', 'Signature', 'SiteKeys', 'Stamp', 'ViewStore', 'code_key', 'compiled_templates', 'describes', 'digest', 'dumps', 'environment_signature', 'fingerprint', 'index_shards', 'lazy_view', 'legacy_search_store', 'load_stamp', 'load_state', 'output_signature', 'page_key', 'save_state', 'signature', 'signatures', 'spare_folder', 'stamp_of', 'summary_key', 'summary_of', 'tree_files', 'view_store', 'write_atomic']
