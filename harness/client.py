"""A Streamlit session driven over its websocket, as a browser drives it: for load tests.

The messages are the ones Chromium sends (captured with Playwright, decoded with
streamlit.proto): a BackMsg `rerun_script` carrying the URL's query string, the page and
the widgets' states; the server answers with ForwardMsgs (page elements as deltas) until
`script_finished`. One Session is one websocket, so one Streamlit session with its own
session_state, as one browser tab. It runs no JavaScript: thirty of them cost the machine
far less than thirty Chromium tabs, which matters when the server has two cores.
"""

import asyncio
import io
import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pyarrow as pa
import websockets
from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

FINISHED = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_WITH_COMPILE_ERROR}
CONTEXT = {"timezone": "UTC", "timezone_offset": 0, "locale": "en-US", "is_embedded": False, "color_scheme": "light"}


def in_own_thread(coroutine):
    """asyncio.run in a thread of its own: once a browser test has run, Playwright's sync API
    keeps an event loop running in the caller's thread."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


class ScriptTimeout(TimeoutError):
    """The script did not finish in time; `reply` holds what it had sent so far."""

    def __init__(self, message: str, reply: "Reply"):
        super().__init__(message)
        self.reply = reply


@dataclass
class Reply:
    """What the server sent for one interaction, until its script finished (reruns that the
    page starts itself, such as st.rerun or st.switch_page, included)."""

    sent: float  # time.perf_counter() when the interaction was sent
    elements: list[tuple[float, str, object]] = field(default_factory=list)  # (seconds after sent, type, proto)

    def add(self, kind: str, element) -> None:
        self.elements.append((time.perf_counter() - self.sent, kind, element))

    def of(self, kind: str) -> list:
        return [element for _, k, element in self.elements if k == kind]

    def alerts(self, level: str | None = None) -> list[str]:
        """The texts of st.error/warning/info/success boxes; `level` is one of those names."""
        return [a.body for a in self.of("alert") if level in (None, Alert.Format.Name(a.format).lower())]

    def headings(self) -> list[str]:
        return [h.body for h in self.of("heading")]

    def markdown(self) -> list[str]:
        return [m.body for m in self.of("markdown")]

    def tables(self) -> list[pa.Table]:
        return [pa.ipc.open_stream(io.BytesIO(d.arrow_data.data)).read_all() for d in self.of("dataframe")]

    def problems(self) -> list[str]:
        """Error alerts and exceptions (tracebacks) shown on the page."""
        return self.alerts("error") + [f"{e.type}: {e.message}" for e in self.of("exception")]

    def first(self, kind: str, test) -> float | None:
        """Seconds from sending to the first element of `kind` for which test(element) holds."""
        return next((at for at, k, element in self.elements if k == kind and test(element)), None)


class Session:
    """One browser tab's Streamlit session on `base_url` (http://host:port)."""

    def __init__(self, base_url: str, timeout: float = 120, cookies: dict[str, str] | None = None):
        self.base_url = base_url
        self.timeout = timeout
        self.cookies = cookies or {}  # sent with the websocket's opening request, as a browser sends its cookies
        self.set_cookies: dict[str, str] = {}  # the cookies the opening request's answer set (a balancer's)
        self.query = ""
        self.path = ""
        self.page_hash = ""
        self.pages: dict[str, str] = {}  # URL path -> page script hash, from the navigation message
        self.widget_ids: dict[str, str] = {}  # widget key -> the id the browser sends back
        self.websocket = None

    async def open(self, path: str = "", query: str = "") -> Reply:
        """Connect and load the page at /path?query, as typing the address does."""
        origin = self.base_url
        cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        self.websocket = await websockets.connect(
            origin.replace("http", "ws", 1) + "/_stcore/stream", subprotocols=["streamlit"], origin=origin,
            max_size=None, open_timeout=self.timeout, close_timeout=5,
            additional_headers={"Cookie": cookie} if cookie else None,
        )
        for header in self.websocket.response.headers.get_all("Set-Cookie"):
            name, _, value = header.split(";", 1)[0].partition("=")
            self.set_cookies[name.strip()] = value.strip()
        self.path, self.query = path, query
        return await self._rerun(page_name=path)

    async def click(self, key: str) -> Reply:
        """Press the button with this key."""
        return await self._rerun([WidgetState(id=self.widget_ids[key], trigger_value=True)])

    async def rerun(self) -> Reply:
        """Run the page again as it stands, as st.rerun does (the Class page's watch, when a run lands)."""
        return await self._rerun()

    async def submit(self, texts: dict[str, str], button: str) -> Reply:
        """Type into the text inputs of these keys and press a form's submit button: its key is
        FormSubmitter:<form key>-<label> unless it has one of its own."""
        typed = [WidgetState(id=self.widget_ids[key], string_value=text) for key, text in texts.items()]
        return await self._rerun([*typed, WidgetState(id=self.widget_ids[button], trigger_value=True)])

    async def send_json(self, key: str, value: dict) -> Reply:
        """A component's new value, as its frontend reports it (the drawing canvas does)."""
        return await self._rerun([WidgetState(id=self.widget_ids[key], json_value=json.dumps(value))])

    async def go_to(self, path: str) -> Reply:
        """Follow the navigation link to another page."""
        self.path = path
        return await self._rerun(page_hash=self.pages[path])

    async def close(self) -> None:
        if self.websocket is not None:
            await self.websocket.close()

    async def _rerun(self, widgets=(), page_hash: str | None = None, page_name: str = "") -> Reply:
        message = BackMsg()
        state = message.rerun_script
        state.query_string = self.query
        state.widget_states.widgets.extend(widgets)
        state.page_script_hash = page_hash if page_hash is not None else self.page_hash
        state.page_name = page_name
        for name, value in CONTEXT.items():
            setattr(state.context_info, name, value)
        state.context_info.url = f"{self.base_url}/{self.path}"
        reply = Reply(time.perf_counter())
        await self.websocket.send(message.SerializeToString())
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                data = await asyncio.wait_for(self.websocket.recv(), max(deadline - time.monotonic(), 0))
            except TimeoutError:
                text = f"the script on /{self.path} did not finish within {self.timeout} s"
                raise ScriptTimeout(text, reply) from None
            if self._read(data, reply):
                return reply

    def _read(self, data: bytes, reply: Reply) -> bool:
        """Note one ForwardMsg in the reply; True once the script has finished."""
        message = ForwardMsg()
        message.ParseFromString(data)
        kind = message.WhichOneof("type")
        if kind == "ref_hash":  # only sent for messages the browser says it has cached; this one says none
            raise RuntimeError("the server referred to a cached message this client never had")
        if kind == "navigation":
            self.pages.update({page.url_pathname: page.page_script_hash for page in message.navigation.app_pages})
        elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
            self.page_hash = message.metadata.active_script_hash
            element = message.delta.new_element
            element_type = element.WhichOneof("type")
            inner = getattr(element, element_type)
            widget_id = inner.id if "id" in inner.DESCRIPTOR.fields_by_name else ""
            if widget_id and not widget_id.endswith("-None"):  # "$$ID-<hash>-<key>"; keyless ones end in None
                self.widget_ids[widget_id.split("-", 2)[2]] = widget_id
            reply.add(element_type, inner)
        elif kind == "script_finished":
            return message.script_finished in FINISHED
        return False

