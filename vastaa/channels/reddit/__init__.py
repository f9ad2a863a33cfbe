"""Reddit: a script app's own account, through Async PRAW (``client``), Reddit's things as
canonical events (``parse``) and its listings read page by page (``reading``)."""
