package trailread

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// S3API is the part of the S3 client that reading a trail bucket uses.
type S3API interface {
	s3.ListObjectsV2APIClient
	GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

// listS3 lists every object under s3://bucket/prefix, a page of at most 1,000 keys at a time
// (S3 API reference, ListObjectsV2). Objects are fetched later, one GetObject per worker.
func listS3(ctx context.Context, api S3API, url string, l *Listing) error {
	bucket, prefix, _ := strings.Cut(strings.TrimPrefix(url, S3Prefix), "/")
	if bucket == "" {
		return fmt.Errorf("%s: no bucket", url)
	}
	pages := s3.NewListObjectsV2Paginator(api, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	n := 0
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list %s: %w", url, err)
		}
		for _, o := range page.Contents {
			key := aws.ToString(o.Key)
			if strings.HasSuffix(key, "/") {
				continue // a folder marker
			}
			n++
			switch nameKind(key) {
			case digestName:
				l.Digests++
				continue
			case otherName:
				l.Others++
				continue
			}
			size := aws.ToInt64(o.Size)
			l.Bytes += size
			l.Inputs = append(l.Inputs, Input{Name: S3Prefix + bucket + "/" + key, Size: size,
				open: func(ctx context.Context) (io.ReadCloser, error) {
					out, err := api.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
					if err != nil {
						return nil, err
					}
					return out.Body, nil
				}})
		}
	}
	if n == 0 {
		return fmt.Errorf("%s: no objects", url)
	}
	return nil
}
