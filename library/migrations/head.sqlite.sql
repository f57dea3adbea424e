-- GenreLens library schema at revision 0004_prediction_reason
CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL, 
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
)
;
CREATE TABLE tag_batches (
	id INTEGER NOT NULL, 
	created_at DATETIME NOT NULL, 
	options JSON NOT NULL, 
	state VARCHAR(12) NOT NULL, 
	PRIMARY KEY (id)
)
;
CREATE TABLE classify_claims (
	track_id INTEGER NOT NULL, 
	bundle VARCHAR(64) NOT NULL, 
	run VARCHAR(48) NOT NULL, 
	claimed_at DATETIME NOT NULL, 
	PRIMARY KEY (track_id, bundle), 
	FOREIGN KEY(track_id) REFERENCES tracks (id) ON DELETE CASCADE
)
;
CREATE TABLE embeddings (
	id INTEGER NOT NULL, 
	track_id INTEGER NOT NULL, 
	backbone VARCHAR(64) NOT NULL, 
	dim INTEGER NOT NULL, 
	vector BLOB NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(track_id) REFERENCES tracks (id) ON DELETE CASCADE, 
	UNIQUE (track_id, backbone)
)
;
CREATE TABLE predictions (
	id INTEGER NOT NULL, 
	track_id INTEGER NOT NULL, 
	bundle VARCHAR(64) NOT NULL, 
	bundle_version VARCHAR(32) NOT NULL, 
	probabilities JSON NOT NULL, 
	top_genres JSON NOT NULL, 
	confidence FLOAT NOT NULL, 
	uncertain BOOLEAN NOT NULL, 
	not_music BOOLEAN DEFAULT '0' NOT NULL, 
	clip_probabilities JSON NOT NULL, 
	clip_starts JSON NOT NULL, 
	track_size INTEGER NOT NULL, 
	track_mtime_ns INTEGER NOT NULL, 
	audio_hash VARCHAR(64), 
	created_at DATETIME NOT NULL, reason TEXT, 
	PRIMARY KEY (id), 
	FOREIGN KEY(track_id) REFERENCES tracks (id) ON DELETE CASCADE, 
	UNIQUE (track_id, bundle)
)
;
CREATE TABLE user_labels (
	track_id INTEGER NOT NULL, 
	genres JSON NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (track_id), 
	FOREIGN KEY(track_id) REFERENCES tracks (id) ON DELETE CASCADE
)
;
CREATE TABLE tag_originals (
	change_id INTEGER NOT NULL, 
	prefix INTEGER NOT NULL, 
	suffix INTEGER NOT NULL, 
	middle BLOB NOT NULL, 
	original_size INTEGER NOT NULL, 
	original_sha1 VARCHAR(40) NOT NULL, 
	written_sha1 VARCHAR(40) NOT NULL, 
	mtime_ns INTEGER NOT NULL, 
	PRIMARY KEY (change_id), 
	FOREIGN KEY(change_id) REFERENCES tag_changes (id) ON DELETE CASCADE
)
;
CREATE TABLE roots (
	id INTEGER NOT NULL, 
	name VARCHAR(64) NOT NULL, 
	path BLOB NOT NULL, 
	added_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (name)
)
;
CREATE TABLE "tracks" (
	id INTEGER NOT NULL, 
	folder_id INTEGER, 
	path BLOB NOT NULL, 
	size INTEGER NOT NULL, 
	mtime_ns INTEGER NOT NULL, 
	head_hash VARCHAR(40), 
	format VARCHAR(16), 
	codec VARCHAR(32), 
	duration FLOAT, 
	sample_rate INTEGER, 
	channels INTEGER, 
	bitrate INTEGER, 
	title TEXT, 
	artist TEXT, 
	album TEXT, 
	album_artist TEXT, 
	year INTEGER, 
	track_number INTEGER, 
	genres JSON NOT NULL, 
	status VARCHAR(8) NOT NULL, 
	error TEXT, 
	scanned_at DATETIME NOT NULL, 
	root_id INTEGER, search_text TEXT, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_tracks_root_path UNIQUE (root_id, path), 
	CONSTRAINT fk_tracks_root_id FOREIGN KEY(root_id) REFERENCES roots (id), 
	FOREIGN KEY(folder_id) REFERENCES folders (id) ON DELETE SET NULL
)
;
CREATE TABLE "tag_changes" (
	id INTEGER NOT NULL, 
	batch_id INTEGER NOT NULL, 
	track_id INTEGER, 
	path BLOB NOT NULL, 
	old_genres JSON, 
	new_genres JSON NOT NULL, 
	state VARCHAR(16) NOT NULL, 
	reason TEXT, 
	new_size INTEGER, 
	new_mtime_ns INTEGER, 
	root_id INTEGER, 
	PRIMARY KEY (id), 
	CONSTRAINT fk_tag_changes_root_id FOREIGN KEY(root_id) REFERENCES roots (id), 
	FOREIGN KEY(track_id) REFERENCES tracks (id) ON DELETE SET NULL, 
	FOREIGN KEY(batch_id) REFERENCES tag_batches (id) ON DELETE CASCADE
)
;
CREATE TABLE "folders" (
	id INTEGER NOT NULL, 
	path BLOB NOT NULL, 
	added_at DATETIME NOT NULL, 
	last_scanned_at DATETIME, 
	root_id INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_folders_root_path UNIQUE (root_id, path), 
	CONSTRAINT fk_folders_root_id FOREIGN KEY(root_id) REFERENCES roots (id)
)
;
CREATE INDEX ix_classify_claims_run ON classify_claims (run)
;
CREATE INDEX ix_embeddings_track_id ON embeddings (track_id)
;
CREATE INDEX ix_predictions_bundle ON predictions (bundle)
;
CREATE INDEX ix_predictions_confidence ON predictions (confidence)
;
CREATE INDEX ix_predictions_track_id ON predictions (track_id)
;
CREATE INDEX ix_tracks_album ON tracks (album)
;
CREATE INDEX ix_tracks_folder_id ON tracks (folder_id)
;
CREATE INDEX ix_tracks_head_hash ON tracks (head_hash)
;
CREATE INDEX ix_tracks_artist ON tracks (artist)
;
CREATE INDEX ix_tracks_status ON tracks (status)
;
CREATE INDEX ix_tag_changes_batch_id ON tag_changes (batch_id)
;
