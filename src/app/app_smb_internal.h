/* app_smb_internal.h - what the SMB parser's files share (app_smb.c: the
 * NetBIOS framing, the transactions and the smb event; app_smb1.c and
 * app_smb2.c: the two dialect families; app_ntlmssp.c: the NTLMSSP
 * authenticate message inside a session setup's security blob), and the
 * DCE/RPC PDU reader both the smb parser (named pipes) and the dcerpc
 * parser (app_dcerpc.c) use.
 *
 * Every string kept here is bounded (SMB_NAME_MAX and the sizes below) and
 * NUL-terminated; every reader takes (bytes, length) and reads nothing past
 * it. Names on the wire in UTF-16LE are kept as Suricata 7 keeps them: the
 * zero bytes dropped, the rest as UTF-8 where valid (ASCII names come out
 * the same; others are escaped by the JSON writer).
 *
 * Ownership: all of it belongs to one app_flow of one worker (no locks). */
#ifndef TAISHI_APP_SMB_INTERNAL_H
#define TAISHI_APP_SMB_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "app_buf.h"
#include "app_file.h"

#define SMB_NAME_MAX   256      /* file, share and pipe names kept (bytes + NUL) */
#define SMB_STR_MAX    64       /* user, domain, host, native OS/LM, services */
#define SMB_MAX_TX     256      /* transactions waiting for their response (the table
                                 * starts at 16 and doubles up to this) */
#define SMB_MAX_TREES  8
#define SMB_MAX_FILES  16
#define SMB_KEEP_MAX   (64u * 1024u)   /* bytes of one NetBIOS message parsed */
#define DCE_MAX_IFACES 8
#define DCE_STUB_MAX   (64u * 1024u)   /* stub bytes kept for dcerpc.stub_data */

/* ---------------------------------------------------------------- DCE/RPC */
enum {
    DCE_REQUEST = 0, DCE_RESPONSE = 2, DCE_FAULT = 3, DCE_BIND = 11, DCE_BINDACK = 12,
    DCE_BINDNAK = 13, DCE_ALTER = 14, DCE_ALTER_RESP = 15, DCE_AUTH3 = 16,
};
#define DCE_PFC_FIRST 1
#define DCE_PFC_LAST  2

struct dce_iface {
    uint8_t uuid[16];
    uint16_t ctx_id, ver, ver_min;
    uint16_t ack_result, ack_reason;
    uint8_t acked;
};

/* One connection-oriented PDU's header (and where its body is). */
struct dce_pdu {
    uint8_t ptype, flags, little;       /* little: data representation is LE */
    uint16_t frag_len, auth_len;
    uint32_t call_id;
    const uint8_t *body;                /* after the 16-byte header */
    size_t body_len;                    /* frag_len - 16 - auth trailer, within the bytes given */
};
/* 0 and *out filled when p holds a whole PDU header of version 5.0 (the
 * body may be cut to n); -1 when it is not DCE/RPC. */
int dce_pdu_parse(const uint8_t *p, size_t n, struct dce_pdu *out);
/* Bind / alter context: the interfaces offered (at most DCE_MAX_IFACES;
 * the others counted in *dropped). Returns how many. */
int dce_bind_parse(const struct dce_pdu *d, struct dce_iface *ifs, int max, int *dropped);
/* Bind ack: marks ifs[i] acked with result/reason, in order. 0 or -1. */
int dce_bindack_parse(const struct dce_pdu *d, struct dce_iface *ifs, int nifs);
/* Request: context id and opnum; response: context id. Stub bytes in
 * stub and stub_len (within the body). 0 or -1. */
int dce_request_parse(const struct dce_pdu *d, uint16_t *ctx, uint16_t *opnum,
                      const uint8_t **stub, size_t *stub_len);
int dce_response_parse(const struct dce_pdu *d, uint16_t *ctx, const uint8_t **stub,
                       size_t *stub_len);
/* "BIND", "REQUEST", ... as Suricata names PDU types. */
const char *dce_type_string(int ptype);
/* Suricata's uuid text: the first three fields little-endian. buf >= 37. */
void dce_uuid_string(const uint8_t uuid[16], char *buf);

/* ---------------------------------------------------------------- SMB */
enum smb_txtype {
    SMBT_GENERIC = 0, SMBT_NEGOTIATE, SMBT_SESSION, SMBT_TREE, SMBT_CREATE, SMBT_FILE,
    SMBT_DCERPC, SMBT_IOCTL, SMBT_SETINFO,
};

struct smb_dcerpc {
    uint8_t req_set, res_set, req_cmd, res_cmd;
    uint16_t opnum, ctx_id;
    uint32_t call_id;
    uint32_t frag_ts, frag_tc;
    uint64_t stub_ts, stub_tc;
};

struct smb_tx {
    uint64_t id;                /* 1, 2, ... in the order the flow made them */
    uint64_t key;               /* SMB2: message id; SMB1: mid | pid << 16 */
    uint64_t link;              /* a marker's FILE tx (key) */
    uint64_t session_id;
    uint32_t tree_id;
    uint32_t status;
    uint16_t cmd;
    uint8_t used, ver, type, have_status, req_done, resp_done;
    union {
        struct {
            char dialects[SMB_NAME_MAX];     /* NUL-separated, ndialects of them */
            uint8_t ndialects, have_client_guid;
            uint8_t client_guid[16], server_guid[16];
        } neg;
        struct {
            char user[SMB_STR_MAX], domain[SMB_STR_MAX], host[SMB_STR_MAX];
            char version[32];
            char req_os[SMB_STR_MAX], req_lm[SMB_STR_MAX];
            char resp_os[SMB_STR_MAX], resp_lm[SMB_STR_MAX];
            uint8_t have_ntlm, have_req, have_resp;
        } ses;
        struct {
            char share[SMB_NAME_MAX];
            char req_service[16], resp_service[16];
            uint8_t is_pipe, share_type, have_req_service, have_resp_service;
        } tree;
        struct {
            char name[SMB_NAME_MAX];
            uint32_t disposition;
            uint8_t directory, delete_on_close, guid_len;
            uint8_t guid[16];
            uint64_t created, accessed, modified, changed, size;
        } create;
        struct {
            char name[SMB_NAME_MAX], share[SMB_NAME_MAX / 2];
            uint8_t fuid[16], fuid_len;
            uint8_t dir;                /* APP_DIR_* the file's bytes travel */
            struct app_file *af;        /* the file tracker's file (app_file.h); NULL: off */
            uint64_t next_off;          /* the file offset its next bytes should have */
        } file;
        struct smb_dcerpc dce;
        struct {
            uint32_t func;
        } ioctl;
        struct {
            char name[SMB_NAME_MAX];
            uint8_t fuid[16], fuid_len, delete_on_close;
        } setinfo;
    } u;
};

struct smb_tree {
    uint32_t tree_id;           /* 0: free */
    uint8_t is_pipe;
    char share[SMB_NAME_MAX / 2];
};
struct smb_file {
    uint8_t guid[16];
    uint8_t used, is_pipe, open_tx;     /* open_tx: a FILE tx is reporting it */
    uint64_t file_tx;                   /* that tx's key */
    uint32_t tree_id;
    char name[SMB_NAME_MAX];
};

struct smb_dir {
    uint8_t hdr[4];
    uint32_t hdr_len;           /* bytes of the NetBIOS header seen */
    uint32_t msg_len, msg_seen; /* the message's length and bytes of it seen */
    struct abuf keep;           /* its first SMB_KEEP_MAX bytes */
    uint8_t dead;
};

/* Counters, named in the entry (app_smb.c). */
enum { SMB_C_MESSAGES, SMB_C_TX, SMB_C_PARSE_ERRORS, SMB_C_CUT, SMB_C_DROPPED, SMB_C_PORT_FALLBACK };

struct smb_state {
    struct app_stats *st;
    uint64_t *ctr;
    int id;
    const struct app_limits *lim;
    struct smb_dir d[2];
    struct smb_tx *tx;                  /* ntx slots, in txmem */
    uint32_t ntx;
    struct abuf txmem;
    uint64_t next_id;
    uint16_t dialect2;                  /* SMB2 dialect revision; 0: none */
    char dialect1[32];                  /* SMB1 dialect chosen ("" = none) */
    uint32_t max_read, max_write;
    char server_name[SMB_STR_MAX];      /* NTLMSSP challenge target / native OS */
    /* For the asset inventory and the risks (app_smb.c, smb_learned): the
     * challenge's target info (MS-NLMP 2.2.2.1 AV pairs), the server's
     * signing (SMB_SIGN_* bits) and the first SMB1 use (its dialect or
     * command); `learn` says what changed since smb_learned last ran. */
    char nb_computer[SMB_STR_MAX], dns_computer[SMB_STR_MAX];
    char nb_domain[SMB_STR_MAX], dns_domain[SMB_STR_MAX];
    char smb1_use[48];
    char native_os[SMB_STR_MAX], native_lm[SMB_STR_MAX];
    uint8_t signing, learn, smb1_told;
    uint64_t last_create_id;            /* the last CREATE request's message id */
    char last_create[SMB_NAME_MAX];     /* and its name (compounds' SET_INFO) */
    struct smb_tree trees[SMB_MAX_TREES];
    struct smb_file files[SMB_MAX_FILES];
    struct dce_iface ifaces[DCE_MAX_IFACES];
    int nifaces;
    struct abuf stub[2];                /* DCE/RPC stub of the pipe tx in progress */
};

/* The record an smb event is written from (the tx's meta). */
struct smb_ev {
    const struct smb_tx *tx;
    const struct smb_state *s;
};

/* app_smb.c: transactions. */
struct smb_tx *smb_tx_new(struct smb_state *s, int ver, uint16_t cmd, uint64_t key, int type);
struct smb_tx *smb_tx_find(struct smb_state *s, int ver, uint64_t key);
/* The response is complete: the event, and the tx's slot freed. dir: the
 * data this tx carried last; bufs: its buffers for the rules. */
void smb_tx_done(struct smb_state *s, struct smb_tx *t, int dir, const struct txb *b,
                 const struct app_sink *sink);
/* A FILE tx's bytes at file offset `off` (`have` of `len` bytes present:
 * the rest were past what the framing keeps): to the file tracker, holes
 * as gaps, overlaps skipped. */
void smb_file_bytes(struct smb_state *s, struct smb_tx *t, uint64_t off, const uint8_t *p,
                    size_t have, size_t len, const struct app_sink *sink);
/* Utilities. */
void smb_utf16_name(const uint8_t *p, size_t n, char *out, size_t outsz);
void smb_ascii_name(const uint8_t *p, size_t n, char *out, size_t outsz);
struct smb_tree *smb_tree_get(struct smb_state *s, uint32_t tree_id);
void smb_tree_set(struct smb_state *s, uint32_t tree_id, const char *share, int is_pipe);
struct smb_file *smb_file_get(struct smb_state *s, const uint8_t *guid);
struct smb_file *smb_file_set(struct smb_state *s, const uint8_t *guid, uint32_t tree_id,
                              const char *name, int is_pipe);
/* Named pipes: DCE/RPC written to (dir 0) or read from (dir 1) a pipe by an
 * SMB command; key: the command's tx key. */
void smb_pipe_data(struct smb_state *s, int dir, int ver, uint16_t cmd, uint64_t key,
                   uint64_t session_id, uint32_t tree_id, const uint8_t *p, size_t n,
                   const struct app_sink *sink);

/* app_smb2.c / app_smb1.c: one whole SMB message (its first SMB_KEEP_MAX
 * bytes; cut = 1 when more followed). dir: APP_DIR_*. */
void smb2_message(struct smb_state *s, int dir, const uint8_t *p, size_t n, int cut,
                  const struct app_sink *sink);
void smb1_message(struct smb_state *s, int dir, const uint8_t *p, size_t n, int cut,
                  const struct app_sink *sink);
const char *smb2_command_string(uint16_t cmd, char *buf);
const char *smb2_dialect_string(uint16_t d, char *buf);   /* "3.11"; buf: 8 bytes */
const char *smb1_command_string(uint16_t cmd, char *buf);
const char *smb_ntstatus_string(uint32_t st);

/* app_ntlmssp.c: finds the NTLMSSP authenticate message in a security blob
 * (raw or in SPNEGO) and copies user, domain, host and version into the
 * session tx. 1 when found; 0 when the blob has none. Also the challenge's
 * target name (the server's), into s->server_name, and its target info's
 * computer and domain names into s->nb_computer, ... (SMB_LEARN_NTLM). */
int ntlmssp_parse(struct smb_tx *t, struct smb_state *s, const uint8_t *blob, size_t n);

/* smb_state.learn bits and the signing bits (smb_state.signing). */
#define SMB_LEARN_NEG  1        /* a negotiate response: dialect, signing */
#define SMB_LEARN_NTLM 2        /* a challenge's target info */
#define SMB_LEARN_SMB1 4        /* SMB1 in use (smb1_use) */
#define SMB_LEARN_OS   8        /* an SMB1 session setup response: the server's native OS/LM */
#define SMB_SIGN_ENABLED  1
#define SMB_SIGN_REQUIRED 2

/* Little-endian readers; the caller has checked the bounds. */
static inline uint16_t smb_le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t smb_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t smb_le64(const uint8_t *p)
{
    return (uint64_t)smb_le32(p) | (uint64_t)smb_le32(p + 4) << 32;
}
/* Bounds: `need` bytes at offset `off` of an n-byte buffer. */
static inline int smb_have(size_t n, size_t off, size_t need)
{
    return off <= n && need <= n - off;
}
#define SMB_HAVE(n, off, need) smb_have((size_t)(n), (size_t)(off), (size_t)(need))

#endif
