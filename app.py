"""digitnet: how a neural net learns, on real MNIST. Start with `make run`."""

import streamlit as st

from digitnet.data import load_dataset
from digitnet.models import build_model, count_parameters

st.set_page_config(page_title="digitnet", page_icon="✏️")
st.title("digitnet: how a neural net learns")
data = load_dataset()
st.write(f"Dataset: {data}.")
for kind, name in (("linear", "Linear model, from scratch"), ("mlp", "Three-layer net 784-40-20-1")):
    st.write(f"- {name}: {count_parameters(build_model(kind)):,} parameters")
