"""Text Summarizer, a Wavehub demo app: `python3 -m summarizer.app` starts it."""
