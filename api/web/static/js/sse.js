// Server-sent events over fetch + ReadableStream (EventSource cannot POST): the OpenAI chat
// completions wire format, "data: {json}" events ending with "data: [DONE]".

/** Yields each event's data string until [DONE] or the end of the body. */
export async function* events(response) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let cut;
      while ((cut = buffer.search(/\r?\n\r?\n/)) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut).replace(/^\r?\n\r?\n/, "");
        const data = block
          .split(/\r?\n/)
          .filter((line) => line.startsWith("data:"))
          .map((line) => line.slice(5).replace(/^ /, ""))
          .join("\n");
        if (!data) continue;
        if (data === "[DONE]") return;
        yield data;
      }
    }
    buffer += decoder.decode();
    const tail = buffer.trim();
    if (tail.startsWith("data:")) {
      const data = tail.slice(5).trim();
      if (data && data !== "[DONE]") yield data;
    }
  } finally {
    reader.releaseLock();
  }
}

/** Reads a chat.completion.chunk stream: onDelta(text) per content piece; resolves to the
 * final chunk's `hark` extension (citations, facts, plan, warnings) or null. */
export async function readChat(response, onDelta) {
  let extension = null;
  let text = "";
  for await (const data of events(response)) {
    let chunk;
    try {
      chunk = JSON.parse(data);
    } catch {
      continue;
    }
    if (chunk.error) {
      const e = new Error(chunk.error.message || "stream error");
      e.code = chunk.error.code;
      throw e;
    }
    const choice = (chunk.choices || [])[0];
    const piece = choice && choice.delta && choice.delta.content;
    if (piece) {
      text += piece;
      onDelta(piece, text);
    }
    if (chunk.hark) extension = chunk.hark;
  }
  return { text, hark: extension };
}
