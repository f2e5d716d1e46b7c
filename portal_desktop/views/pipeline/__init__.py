"""The Pipeline screen: leads list, detail panel, board and the lead dialogs."""

from portal_desktop.views.pipeline.tab import PipelineTab

__all__ = ["PipelineTab"]
