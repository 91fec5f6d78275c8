"""The Streamlit app: pages that wire settings to library calls and render the results.

Start it with ``streamlit run ui/app.py``. Nothing in tutor/ imports this package.
"""
