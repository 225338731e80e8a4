// A complete conformance server in JavaScript (node): it answers tag.parse.
const readline = require("node:readline");

const ARCH = "[a-z0-9]+(?:_[a-z0-9]+)*";
const NUMBER = "0|[1-9][0-9]{0,4}";
const LEGACY = { // this tool's own knowledge of the legacy aliases: PEPs 513, 571 and 599
  manylinux1: ["2_5", "x86_64 i686"],
  manylinux2010: ["2_12", "x86_64 i686"],
  manylinux2014: ["2_17", "x86_64 i686 aarch64 armv7l ppc64 ppc64le s390x"],
};
const INVALID = { valid: false, kind: null, normal: null };

function parse(tag) {
  if (tag.length > 255 || !/^[A-Za-z0-9_]+$/.test(tag)) return INVALID;
  tag = tag.toLowerCase(); // the pattern above let through ASCII only
  let m;
  if ((m = tag.match(new RegExp(`^manylinux_(${NUMBER})_(${NUMBER})_(${ARCH})$`)))) {
    if (+m[1] <= 65535 && +m[2] <= 65535) return { valid: true, kind: "perennial", normal: tag };
  } else if ((m = tag.match(new RegExp(`^(manylinux[0-9]+)_(${ARCH})$`)))) {
    const [glibc, arches] = LEGACY[m[1]] || ["", ""];
    if (arches.split(" ").includes(m[2]))
      return { valid: true, kind: "legacy", normal: `manylinux_${glibc}_${m[2]}` };
  } else if (new RegExp(`^linux_${ARCH}$`).test(tag)) {
    return { valid: true, kind: "linux", normal: tag };
  } else if (!tag.startsWith("manylinux") && !tag.startsWith("linux_")) {
    return { valid: true, kind: "other", normal: tag };
  }
  return INVALID;
}

const lines = readline.createInterface({ input: process.stdin });
lines.on("line", (line) => {
  const message = JSON.parse(line);
  let reply;
  if (message.cmd === "start") {
    reply = { protocol: 1, ready: true, operations: ["tag.parse"],
              implementation: { name: "example-node", version: "1.0" } };
  } else if (message.cmd === "run") {
    reply = { seq: message.seq, output: parse(message.case.input.tag) };
  } else { // stop
    lines.close();
    return;
  }
  process.stdout.write(JSON.stringify(reply) + "\n");
});
