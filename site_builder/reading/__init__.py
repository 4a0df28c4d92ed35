"""Reading a post body as a conversation, stage by stage:

``lines`` (which lines are labels, in which form) -> ``forms`` (exporters' forms, kept where answered in kind) ->
``shapes`` (what a reader sees before the labels alone decide; with ``avatars``, ``bold_prompts`` and
``quoted_prompts``, the shapes that mark speakers without labels) -> ``unlabelled`` (an answer whose label is
missing) -> ``scan`` (turns and exchanges) -> ``ends`` (where the author's closing words begin) -> ``doubts`` and
``end_doubts`` (what a reader would doubt, and what settles it).
``conversation.parse_conversation`` runs them in that order."""
