"""The desk window: PySide6 widgets, item models, undo and workers over desk.core.

Nothing here holds case data of its own: views render the open CaseFile and send core commands.
"""

from desk.ui.shell.compat import protect_singletons

protect_singletons()
