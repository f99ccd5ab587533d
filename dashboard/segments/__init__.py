"""The Segments page: cached segmentation and its charts."""
