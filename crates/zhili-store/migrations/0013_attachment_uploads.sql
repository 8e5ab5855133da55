-- Who uploaded each photo: the bytes are stored once, but each uploader has their own claim
-- on them. Only an uploader may attach a photo, and an upload answers the same whether or
-- not someone else sent the same bytes before.
CREATE TABLE attachment_uploads (
    sha256 TEXT NOT NULL REFERENCES attachments (sha256),
    username TEXT NOT NULL,
    uploaded_at BIGINT NOT NULL,
    PRIMARY KEY (sha256, username)
);
INSERT INTO attachment_uploads (sha256, username, uploaded_at)
    SELECT sha256, uploaded_by, uploaded_at FROM attachments;
