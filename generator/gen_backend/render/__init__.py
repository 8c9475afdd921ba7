"""Stage 5, render: the plan -> {path: text}, in memory. Nothing here touches the output dir."""

from gen_backend.render.project import RenderedFile, render_project, templates_dir

__all__ = ["RenderedFile", "render_project", "templates_dir"]
