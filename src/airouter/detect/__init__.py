"""Local auto-routing detection: task type, complexity and language of a prompt."""

from airouter.detect.detector import Detector
from airouter.detect.model import DEFAULT_LANGUAGES, Complexity, Detection, TaskType

__all__ = ["DEFAULT_LANGUAGES", "Complexity", "Detection", "Detector", "TaskType"]
