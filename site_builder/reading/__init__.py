"""Reading a post body as a conversation, stage by stage:

``lines`` (which lines are labels, in which form) -> ``forms`` (exporters' forms, kept where answered in kind) ->
``shapes`` (what a reader sees before the labels alone decide) -> ``scan`` (turns and exchanges) -> ``ends`` (where
the author's closing words begin) -> ``doubts`` (what a reader would doubt, and what settles it).
``conversation.parse_conversation`` runs them in that order."""
