"""The output stage: write the site into the output folder, replacing only what we built, atomically
(README "Safety").

A build may write only a folder that is new, empty, or holds the marker of a build of ours. The site is written
into a staging folder, the user's files found in the output are moved into it, and it is swapped in: at every
instant the output holds a complete site. Leftovers of killed builds are cleaned up (the user's files in them
given back) by the next build.

One module per step; imports flow one way, from the top of this list to the bottom:

- ``write.py`` — ``write_site``: the stage's entry point, holding the output's lock;
- ``in_place.py`` — ``update_in_place``: the preview's update of the site where it is, without a staging folder;
- ``staging.py`` — ``_staging``: a locked staging folder for one build, the spare or a new one beside the output;
- ``spare.py`` — the spare staging folder in the cache: taken (``_take_spare``), made after a first build
  (``_prime_spare``);
- ``swap.py`` — ``_swap``: the new site in place of the previous one (``renameat2`` exchange, else two renames),
  carrying the user's files (``_swap_carrying``);
- ``remove.py`` — ``remove_site`` (``site-builder clean``), ``clean_leftovers`` and ``tidy`` (what killed builds
  left), ``remove_ours``;
- ``guard.py`` — ``check_output``: which folder a build may write;
- ``ahead.py`` — ``scan_ahead``: the ``build`` command's scan, made in a child forked while the build loads;
- ``scan.py`` — ``scan_output``: what in the output is the site's and what the user's; ``kept_warning``;
- ``kept.py`` — the user's files: carried into each new site, given back after a kill (``return_kept``);
- ``placers.py`` — the pages given (``Page``, ``Kept``) and what places them in a staging folder (``_Fresh``,
  ``_Spare``);
- ``locks.py`` — the output's lock, the staging folders' locks, ``drop_inherited_locks`` for forked workers;
- ``marker.py`` — the ``.site-builder`` marker, and the names by which a build knows its files and folders.

Callers import from the module that holds a name. A name with a leading underscore is the package's own: shared
between these modules (and patched by the tests), not used outside.
"""
