// Viewer request: redirect the paths listed in the DynamoDB table `redirects`
// (the Node.js twin of redirect.py). The client is made once per container.
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';

const TABLE = 'redirects';
const dynamodb = new DynamoDBClient({ region: 'us-east-1' });

export const handler = async (event) => {
  const request = event.Records[0].cf.request;
  const found = await dynamodb.send(new GetItemCommand({
    TableName: TABLE,
    Key: { path: { S: request.uri } },
  }));
  const item = found.Item;
  if (!item) return request;
  const status = item.status?.N ?? '301';
  return {
    status,
    statusDescription: status === '301' ? 'Moved Permanently' : 'Found',
    headers: {
      location: [{ key: 'Location', value: item.location.S }],
      'cache-control': [{ key: 'Cache-Control', value: 'max-age=3600' }],
    },
  };
};
