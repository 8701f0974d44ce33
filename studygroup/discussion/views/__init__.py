"""The discussion's pages: questions and their threads (``questions``), and the pages that
show the group, a meeting or the group's progress with what is new or who has answered
(``meetings``), which live here because they read the discussion as well as the group."""
